using System.Security.Claims;
using BlazorTasks.Core.Tasks;

namespace BlazorTasks.Web.Auth;

public static class UserScopes
{
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The user has no id claim.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>The caller's scope; <paramref name="scope"/> "all" widens it to everyone's tasks for admins.</summary>
    public static UserScope ToScope(this ClaimsPrincipal user, string? scope = null) =>
        new(user.UserId(), user.IsAdmin(), string.Equals(scope, "all", StringComparison.OrdinalIgnoreCase));
}
