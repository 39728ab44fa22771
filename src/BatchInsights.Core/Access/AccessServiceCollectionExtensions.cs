using BatchInsights.Core.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Access;

public static class AccessServiceCollectionExtensions
{
    /// <summary>
    /// Users and roles (ASP.NET Core Identity over the app's database), API tokens, and data-protection keys kept in
    /// the database so every instance reads the others' cookies. The web host adds the authentication schemes.
    /// </summary>
    public static IServiceCollection AddAccess(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AccessOptions>, ValidateAccessOptions>());
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = Users.MinimumPasswordLength;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<BatchInsightsDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddDataProtection().SetApplicationName("BatchInsights").PersistKeysToDbContext<BatchInsightsDbContext>();
        services.TryAddTransient<ApiTokens>();
        services.TryAddScoped<Users>();
        return services;
    }
}
