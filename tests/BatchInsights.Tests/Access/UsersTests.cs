using BatchInsights.Core.Access;
using Microsoft.AspNetCore.DataProtection;
using BatchInsights.Core.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Access;

public sealed class UsersTests
{
    [Fact]
    public async Task EnsureInitialAdmin_FirstStartWithoutPassword_CreatesAnAdminAndLogsItsPasswordOnce()
    {
        await using var host = await AccessHost.StartAsync();

        await using (var scope = host.Scope())
        {
            await scope.ServiceProvider.GetRequiredService<Users>().EnsureInitialAdminAsync();
        }

        var logged = Assert.Single(host.Log.Lines, l => l.Contains("one-time password", StringComparison.Ordinal));
        var password = logged.Split("one-time password ")[1].Split(' ')[0];
        await using (var scope = host.Scope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var admin = await users.FindByNameAsync("admin");
            Assert.NotNull(admin);
            Assert.True(await users.CheckPasswordAsync(admin, password));
            Assert.Equal([Roles.Admin], await users.GetRolesAsync(admin));
            // A second start finds a user and neither creates another nor prints a password again.
            await scope.ServiceProvider.GetRequiredService<Users>().EnsureInitialAdminAsync();
            Assert.Equal(1, await users.Users.CountAsync());
        }

        Assert.Single(host.Log.Lines, l => l.Contains("one-time password", StringComparison.Ordinal));
        // Only the hash is stored.
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<BatchInsightsDbContext>>().CreateDbContextAsync();
        Assert.DoesNotContain(password, (await db.Users.SingleAsync()).PasswordHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureInitialAdmin_SixInstancesStartingTogether_AllStartAndExactlyOneAdminIsCreated()
    {
        // The scale-out test once lost this race on PostgreSQL: an instance's Identity duplicate check saw the admin
        // another instance had just created and the start failed with "Username 'admin' is already taken".
        for (var round = 0; round < 5; round++)
        {
            await using var first = await AccessHost.StartAsync();
            var hosts = new List<AccessHost> { first };
            hosts.AddRange(Enumerable.Range(0, 5).Select(_ => AccessHost.Sharing(first)));
            try
            {
                // On threads of their own: SQLite's "async" calls complete synchronously, so plain tasks would take turns.
                using var go = new ManualResetEventSlim();
                var starts = hosts.Select(h => Task.Run(async () =>
                {
                    await using var scope = h.Scope();
                    var users = scope.ServiceProvider.GetRequiredService<Users>();
                    go.Wait();
                    await users.EnsureInitialAdminAsync();
                })).ToList();
                go.Set();
                await Task.WhenAll(starts);

                await using var check = first.Scope();
                var users = check.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
                var admin = Assert.Single(await users.Users.ToListAsync());
                Assert.Equal([Roles.Admin], await users.GetRolesAsync(admin));
                Assert.Equal(Roles.All.Count, await check.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>().Roles.CountAsync());
                // Only the instance that created the admin printed its password.
                Assert.Single(hosts.SelectMany(h => h.Log.Lines), l => l.Contains("one-time password", StringComparison.Ordinal));
            }
            finally
            {
                foreach (var other in hosts.Skip(1))
                {
                    await other.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task EnsureInitialAdmin_PasswordFromConfiguration_IsUsedAndNotLogged()
    {
        await using var host = await AccessHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:InitialAdminUser"] = "root",
            ["Auth:InitialAdminPassword"] = "Configured-Passw0rd!",
        });
        await using var scope = host.Scope();

        await scope.ServiceProvider.GetRequiredService<Users>().EnsureInitialAdminAsync();

        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByNameAsync("root"))!, "Configured-Passw0rd!"));
        Assert.DoesNotContain(host.Log.Lines, l => l.Contains("Configured-Passw0rd!", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetRole_AdminDemotingThemselves_RefusedSoAnAdminRemains()
    {
        await using var host = await AccessHost.StartAsync();
        await using var scope = host.Scope();
        var admin = scope.ServiceProvider.GetRequiredService<Users>();
        await admin.EnsureInitialAdminAsync();
        var me = (await admin.ListAsync()).Single();

        var result = await admin.SetRoleAsync(me.Id, Roles.Viewer, actingUserId: me.Id);

        Assert.False(result.Succeeded);
        Assert.Contains("another Admin", result.Message, StringComparison.Ordinal);
        Assert.Equal(Roles.Admin, (await admin.ListAsync()).Single().Role);
    }

    [Fact]
    public async Task CreateSetRoleLock_AnOperator_GetsAGeneratedPasswordThenIsPromotedAndLocked()
    {
        await using var host = await AccessHost.StartAsync();
        await using var scope = host.Scope();
        var admin = scope.ServiceProvider.GetRequiredService<Users>();
        await admin.EnsureInitialAdminAsync();
        var adminId = (await admin.ListAsync()).Single().Id;

        var created = await admin.CreateAsync("olga", "operator");
        var bad = await admin.CreateAsync("x", "superuser");
        var olga = (await admin.ListAsync()).Single(u => u.UserName == "olga");
        var promoted = await admin.SetRoleAsync(olga.Id, Roles.Admin, adminId);
        var locked = await admin.SetLockedAsync(olga.Id, locked: true, adminId);

        Assert.True(created.Succeeded);
        Assert.True(created.Password!.Length >= Users.MinimumPasswordLength);
        Assert.False(bad.Succeeded);
        Assert.Contains("Viewer, Operator or Admin", bad.Message, StringComparison.Ordinal);
        Assert.Equal(Roles.Operator, olga.Role);
        Assert.True(promoted.Succeeded);
        Assert.True(locked.Succeeded);
        var after = (await admin.ListAsync()).Single(u => u.UserName == "olga");
        Assert.Equal(Roles.Admin, after.Role);
        Assert.True(after.Locked);
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByNameAsync("olga"))!, created.Password));
    }
}

public sealed class DataProtectionKeysTests
{
    [Fact]
    public async Task Unprotect_OnAnotherInstanceOverTheSameDatabase_ReadsWhatTheFirstProtected()
    {
        // Two service providers = two app instances; the sign-in cookie is data-protected the same way.
        await using var first = await AccessHost.StartAsync();
        await using var second = AccessHost.Sharing(first);
        var cookie = first.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector("Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware", "Identity.Application", "v2")
            .Protect("signed-in as olga");

        var read = second.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector("Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware", "Identity.Application", "v2")
            .Unprotect(cookie);

        Assert.Equal("signed-in as olga", read);
        await using var db = await first.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<BatchInsightsDbContext>>().CreateDbContextAsync();
        Assert.NotEmpty(db.DataProtectionKeys);
    }
}
