using BatchInsights.Core.Access;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Account;
using BatchInsights.Web.Components.Pages.Admin;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Access;

/// <summary>The Users (Admin) and Account pages over the real Identity stores in the test's SQLite file.</summary>
public sealed class AccessPagesTests : UiTestContext
{
    public AccessPagesTests()
    {
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        // Identity's stores take the context from the scope, as in the app (where AddDbContextFactory registers it too).
        Services.AddScoped(_ => Db.Factory.CreateDbContext());
        Services.AddAccess();
    }

    private async Task<AppUser> SeedAdminAsync()
    {
        await Services.GetRequiredService<Users>().EnsureInitialAdminAsync();
        return (await Services.GetRequiredService<UserManager<AppUser>>().FindByNameAsync("admin"))!;
    }

    private void SignInAsUser(AppUser user, string role)
    {
        SignInAs(role, user.UserName!);
        Auth.SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, user.Id));
    }

    [Fact]
    public async Task UsersPage_AdminCreatesAnOperator_PasswordShownOnceAndTheUserListed()
    {
        var admin = await SeedAdminAsync();
        SignInAsUser(admin, Roles.Admin);
        var page = RenderPage<UsersPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=user-row]")));

        page.Find("[data-testid=user-new-name] input, input[data-testid=user-new-name]").Input("olga");
        page.Find("[data-testid=user-create]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count));
        var password = page.Find("[data-testid=user-password]").TextContent;
        Assert.True(password.Length >= Users.MinimumPasswordLength);
        var users = Services.GetRequiredService<UserManager<AppUser>>();
        var olga = (await users.FindByNameAsync("olga"))!;
        Assert.True(await users.CheckPasswordAsync(olga, password));
        Assert.Equal([Roles.Viewer], await users.GetRolesAsync(olga));
    }

    [Fact]
    public async Task AccountPage_CreateThenRevokeAToken_ShownOnceThenRefused()
    {
        var admin = await SeedAdminAsync();
        SignInAsUser(admin, Roles.Admin);
        var page = RenderPage<AccountPage>();
        page.WaitForAssertion(() => Assert.Contains("Admin", page.Find("[data-testid=account-role]").TextContent, StringComparison.Ordinal));

        page.Find("[data-testid=token-name] input, input[data-testid=token-name]").Input("grafana");
        page.Find("[data-testid=token-create]").Click();
        page.WaitForAssertion(() => Assert.StartsWith(ApiTokens.TokenPrefix, page.Find("[data-testid=token-value]").TextContent, StringComparison.Ordinal));
        var token = page.Find("[data-testid=token-value]").TextContent;
        var tokens = Services.GetRequiredService<ApiTokens>();
        Assert.Equal(admin.Id, await tokens.FindUserIdAsync(token, CancellationToken.None));

        page.Find("[data-testid=token-revoke]").Click();

        page.WaitForAssertion(() => Assert.Contains("revoked", page.Find("[data-testid=account-message]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=token-value]"));
        Assert.Null(await tokens.FindUserIdAsync(token, CancellationToken.None));
    }
}
