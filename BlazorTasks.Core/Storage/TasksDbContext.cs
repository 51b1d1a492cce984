using BlazorTasks.Core.Events;
using BlazorTasks.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace BlazorTasks.Core.Storage;

/// <summary>
/// Tasks, their event outbox and the bookkeeping around them. Reads go through EF Core; the hot
/// write paths go through <see cref="TaskWriter"/>, which uses the same tables with plain SQL.
/// Times are stored as Unix milliseconds (INTEGER) so SQLite can compare and order them.
/// </summary>
public sealed class TasksDbContext(DbContextOptions<TasksDbContext> options) : DbContext(options)
{
    public const string MigrationsHistoryTable = "__TasksMigrationsHistory";

    public DbSet<TaskRecord> Tasks => Set<TaskRecord>();
    public DbSet<TaskEventRecord> TaskEvents => Set<TaskEventRecord>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<WebhookReceipt> WebhookReceipts => Set<WebhookReceipt>();
    public DbSet<CallbackAttempt> CallbackAttempts => Set<CallbackAttempt>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TaskRecord>(task =>
        {
            task.ToTable("Tasks");
            task.HasKey(t => t.Id);
            task.Property(t => t.OwnerId).HasMaxLength(450);
            task.Property(t => t.Type).HasMaxLength(64);
            task.Property(t => t.Status).HasConversion(new TaskStateConverter()).HasMaxLength(16);
            task.Property(t => t.CallbackUrl).HasMaxLength(2048);
            task.HasIndex(t => new { t.OwnerId, t.CreatedAt });
            task.HasIndex(t => new { t.Status, t.CreatedAt });
            task.HasIndex(t => t.CreatedAt);
            task.HasIndex(t => new { t.CallbackStatus, t.CallbackNextAttemptAt }); // due callback deliveries
        });

        modelBuilder.Entity<TaskEventRecord>(ev =>
        {
            ev.ToTable("TaskEvents");
            ev.HasKey(e => e.Id);
            ev.Property(e => e.Id).ValueGeneratedOnAdd();
            ev.Property(e => e.Name).HasMaxLength(32);
            ev.HasIndex(e => new { e.OwnerId, e.Id });
            ev.HasIndex(e => new { e.TaskId, e.Id });
            ev.HasIndex(e => e.At);
        });

        modelBuilder.Entity<IdempotencyRecord>(key =>
        {
            key.ToTable("IdempotencyKeys");
            key.HasKey(k => new { k.OwnerId, k.Key });
            key.HasIndex(k => k.CreatedAt);
        });

        modelBuilder.Entity<WebhookReceipt>(receipt =>
        {
            receipt.ToTable("WebhookReceipts");
            receipt.HasKey(r => r.MessageId);
            receipt.HasIndex(r => r.ReceivedAt);
        });

        modelBuilder.Entity<CallbackAttempt>(attempt =>
        {
            attempt.ToTable("CallbackAttempts");
            attempt.HasKey(a => a.Id);
            attempt.HasIndex(a => new { a.TaskId, a.Id });
        });
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.ToUnixTimeMilliseconds(),
        value => DateTimeOffset.FromUnixTimeMilliseconds(value));

    private sealed class TaskStateConverter() : ValueConverter<TaskState, string>(
        value => value.ToWire(),
        value => TaskStateNames.Parse(value));
}
