using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlazorTasks.Core.Storage.Migrations
{
    /// <inheritdoc />
    public partial class CallbackDeliveryIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Tasks_CallbackStatus_CallbackNextAttemptAt",
                table: "Tasks",
                columns: new[] { "CallbackStatus", "CallbackNextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tasks_CallbackStatus_CallbackNextAttemptAt",
                table: "Tasks");
        }
    }
}
