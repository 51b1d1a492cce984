using BlazorTasks.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Web.Auth;

/// <summary>
/// Identity's user manager, plus one rule: the first account ever registered becomes <c>admin</c>, every
/// later one <c>user</c>. Every way of registering (the Identity pages, <c>/api/auth/register</c>) creates
/// users through here, so the rule holds for all of them.
/// </summary>
public sealed class ApplicationUserManager(
    IUserStore<ApplicationUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<ApplicationUser> passwordHasher,
    IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<ApplicationUser>> logger)
    : UserManager<ApplicationUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    // Serializes "create, then decide the role" so two simultaneous first sign-ups cannot both miss admin.
    private static readonly SemaphoreSlim CreateGate = new(1, 1);

    public override async Task<IdentityResult> CreateAsync(ApplicationUser user)
    {
        await CreateGate.WaitAsync();
        try
        {
            var isFirst = !Users.Any();
            var created = await base.CreateAsync(user);
            if (!created.Succeeded)
            {
                return created;
            }

            var role = isFirst ? Roles.Admin : Roles.User;
            var assigned = await AddToRoleAsync(user, role);
            if (assigned.Succeeded && isFirst)
            {
                Logger.LogInformation("First account {UserName} registered; it has the admin role", user.UserName);
            }

            return assigned;
        }
        finally
        {
            CreateGate.Release();
        }
    }
}
