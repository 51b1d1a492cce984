using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace BlazorTasks.Web.Data;

/// <summary>Users, roles and Identity's tables. Tasks live in <c>TasksDbContext</c> in the same SQLite file.</summary>
public class ApplicationDbContext(DbContextOptions<ApplicationDbContext> options) : IdentityDbContext<ApplicationUser>(options)
{
}
