using Microsoft.AspNetCore.Identity;

namespace BlazorTasks.Web.Data;

// Add profile data for application users by adding properties to the ApplicationUser class
public class ApplicationUser : IdentityUser
{
}

