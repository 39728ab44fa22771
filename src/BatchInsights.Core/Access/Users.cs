using System.Security.Cryptography;
using BatchInsights.Core.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Access;

public sealed record UserInfo(string Id, string UserName, string Role, bool Locked, bool External, DateTime CreatedAt, DateTime? LastSignInAt);

/// <summary>The outcome of a user change; <see cref="Password"/> is set when one was generated (shown once).</summary>
public sealed record UserChange(bool Succeeded, string Message, string? Password = null);

/// <summary>Users and their one role, the first admin, and generated passwords (Admin pages and start-up).</summary>
public sealed class Users(UserManager<AppUser> users, RoleManager<IdentityRole> roles, BatchInsightsDbContext db, IOptions<AccessOptions> options, TimeProvider clock, ILogger<Users> logger)
{
    public const int MinimumPasswordLength = 12;

    /// <summary>
    /// On start: the three roles exist, and when there is no user at all the first admin is created — with the
    /// configured password, or a generated one written once to the log.
    /// </summary>
    public async Task EnsureInitialAdminAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CreateRolesAndFirstAdminAsync();
                return;
            }
            catch (Exception e) when ((e is DbUpdateException or DuplicateException) && attempt < 5)
            {
                // Several instances starting on one empty database: another one created a role or the first admin
                // between our check and our insert — refused by Identity's own duplicate check or, a moment later, by
                // the unique index. Look again once it is done: what exists is skipped, so the retry finds them all.
                logger.LogInformation("Another instance is creating the roles or the first admin at the same time ({Reason}); checking again.", e.Message);
                db.ChangeTracker.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }

    private async Task CreateRolesAndFirstAdminAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }

        if (await users.Users.AnyAsync())
        {
            return;
        }

        var o = options.Value;
        var password = string.IsNullOrEmpty(o.InitialAdminPassword) ? GeneratePassword() : o.InitialAdminPassword;
        var admin = new AppUser { UserName = o.InitialAdminUser, CreatedAt = clock.GetUtcNow().UtcDateTime };
        Check(await users.CreateAsync(admin, password), $"create the first admin \"{o.InitialAdminUser}\" (check Auth:InitialAdminPassword)");
        Check(await users.AddToRoleAsync(admin, Roles.Admin), "make the first user an Admin");
        if (string.IsNullOrEmpty(o.InitialAdminPassword))
        {
            // Printed once: the database holds only its hash, and this branch runs only while no user exists.
            logger.LogWarning(
                "First start: created the Admin account \"{User}\" with the one-time password {Password} — sign in at /account/login and change it (Account page), or set Auth:InitialAdminPassword before the first start. This password is not shown again.",
                o.InitialAdminUser, password);
        }
        else
        {
            logger.LogInformation("First start: created the Admin account \"{User}\" with the password from Auth:InitialAdminPassword.", o.InitialAdminUser);
        }
    }

    public async Task<IReadOnlyList<UserInfo>> ListAsync()
    {
        var list = await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync();
        var result = new List<UserInfo>(list.Count);
        foreach (var u in list)
        {
            result.Add(await InfoAsync(u));
        }

        return result;
    }

    public async Task<UserChange> CreateAsync(string userName, string role)
    {
        userName = userName.Trim();
        if (Roles.Parse(role) is not { } canonical)
        {
            return new UserChange(false, $"\"{role}\" is not a role: choose Viewer, Operator or Admin.");
        }

        var password = GeneratePassword();
        var user = new AppUser { UserName = userName, CreatedAt = clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return new UserChange(false, Describe(created));
        }

        await users.AddToRoleAsync(user, canonical);
        return new UserChange(true, $"Created {userName} ({canonical}). Give them this password once; they can change it on their Account page.", password);
    }

    public async Task<UserChange> SetRoleAsync(string userId, string role, string actingUserId)
    {
        if (Roles.Parse(role) is not { } canonical)
        {
            return new UserChange(false, $"\"{role}\" is not a role: choose Viewer, Operator or Admin.");
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new UserChange(false, "No such user.");
        }

        if (userId == actingUserId && canonical != Roles.Admin)
        {
            return new UserChange(false, "You cannot take the Admin role from yourself: ask another Admin (so that one always remains).");
        }

        var current = await users.GetRolesAsync(user);
        await users.RemoveFromRolesAsync(user, current);
        var added = await users.AddToRoleAsync(user, canonical);
        // The user's existing sign-in cookies carry the old role: a new security stamp makes them sign in again.
        await users.UpdateSecurityStampAsync(user);
        return added.Succeeded ? new UserChange(true, $"{user.UserName} is now {canonical}.") : new UserChange(false, Describe(added));
    }

    /// <summary>Locks (disables) or unlocks an account. A locked user cannot sign in, and their API tokens stop working.</summary>
    public async Task<UserChange> SetLockedAsync(string userId, bool locked, string actingUserId)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new UserChange(false, "No such user.");
        }

        if (locked && userId == actingUserId)
        {
            return new UserChange(false, "You cannot lock your own account.");
        }

        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, locked ? DateTimeOffset.MaxValue : null);
        await users.UpdateSecurityStampAsync(user);
        return new UserChange(true, locked ? $"{user.UserName} is locked: they cannot sign in and their API tokens are refused." : $"{user.UserName} is unlocked.");
    }

    public async Task<UserChange> ResetPasswordAsync(string userId)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new UserChange(false, "No such user.");
        }

        var password = GeneratePassword();
        await users.RemovePasswordAsync(user);
        var set = await users.AddPasswordAsync(user, password);
        await users.UpdateSecurityStampAsync(user);
        return set.Succeeded
            ? new UserChange(true, $"New password for {user.UserName} (shown once).", password)
            : new UserChange(false, Describe(set));
    }

    public async Task<UserChange> ChangeOwnPasswordAsync(string userId, string current, string next)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new UserChange(false, "No such user.");
        }

        var changed = await users.ChangePasswordAsync(user, current, next);
        return changed.Succeeded ? new UserChange(true, "Password changed.") : new UserChange(false, Describe(changed));
    }

    /// <summary>A random password that meets the policy: 20 characters with every class.</summary>
    public static string GeneratePassword()
    {
        const string lower = "abcdefghijkmnopqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "-_.!#%+";
        const string all = lower + upper + digits + symbols;
        var chars = new char[20];
        for (var i = 0; i < chars.Length; i++)
        {
            var set = i switch { 0 => lower, 1 => upper, 2 => digits, 3 => symbols, _ => all };
            chars[i] = set[RandomNumberGenerator.GetInt32(set.Length)];
        }

        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }

    private async Task<UserInfo> InfoAsync(AppUser u)
    {
        var role = (await users.GetRolesAsync(u)).Select(Roles.Parse).LastOrDefault(r => r is not null) ?? "(none)";
        var external = (await users.GetLoginsAsync(u)).Count > 0;
        var locked = u.LockoutEnd is { } end && end > clock.GetUtcNow();
        return new UserInfo(u.Id, u.UserName ?? u.Id, role, locked, external, u.CreatedAt, u.LastSignInAt);
    }

    private static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));

    private static void Check(IdentityResult result, string what)
    {
        if (result.Succeeded)
        {
            return;
        }

        var message = $"Could not {what}: {Describe(result)}";
        throw result.Errors.All(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateRoleName))
            ? new DuplicateException(message)
            : new InvalidOperationException(message);
    }

    /// <summary>Identity refused a user or role name that exists already (another instance may have just created it).</summary>
    private sealed class DuplicateException(string message) : InvalidOperationException(message);
}
