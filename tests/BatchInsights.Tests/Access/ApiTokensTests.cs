using BatchInsights.Core.Access;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Access;

public sealed class ApiTokensTests
{
    [Fact]
    public async Task CreateFindRevoke_TokenWorksUntilRevokedAndOnlyItsHashIsStored()
    {
        await using var host = await AccessHost.StartAsync();
        var tokens = host.Services.GetRequiredService<ApiTokens>();

        var created = await tokens.CreateAsync("user-1", "grafana", validDays: 30, CancellationToken.None);
        var owner = await tokens.FindUserIdAsync(created.Token, CancellationToken.None);
        var wrong = await tokens.FindUserIdAsync(created.Token + "x", CancellationToken.None);
        var notMine = await tokens.RevokeAsync("user-2", created.Info.Id, CancellationToken.None);
        var revoked = await tokens.RevokeAsync("user-1", created.Info.Id, CancellationToken.None);
        var afterRevoke = await tokens.FindUserIdAsync(created.Token, CancellationToken.None);

        Assert.StartsWith(ApiTokens.TokenPrefix, created.Token, StringComparison.Ordinal);
        Assert.Equal("user-1", owner);
        Assert.Null(wrong);
        Assert.False(notMine);
        Assert.True(revoked);
        Assert.Null(afterRevoke);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<BatchInsightsDbContext>>().CreateDbContextAsync();
        var row = await db.ApiTokens.SingleAsync();
        Assert.Equal(ApiTokens.Hash(created.Token), row.Hash);
        Assert.DoesNotContain(created.Token[9..], row.Hash + row.Prefix + row.Name, StringComparison.Ordinal);
        Assert.NotNull(row.LastUsedAt);
        var listed = Assert.Single(await tokens.ListAsync("user-1", CancellationToken.None));
        Assert.Equal(created.Token[..9], listed.Prefix);
        Assert.False(listed.Active(host.Clock.GetUtcNow().UtcDateTime));
    }

    [Fact]
    public async Task FindUserId_AfterExpiry_Refused()
    {
        await using var host = await AccessHost.StartAsync();
        var tokens = host.Services.GetRequiredService<ApiTokens>();
        var created = await tokens.CreateAsync("user-1", "ci", validDays: 1, CancellationToken.None);
        var forever = await tokens.CreateAsync("user-1", "cron", validDays: 0, CancellationToken.None);

        host.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        Assert.Null(await tokens.FindUserIdAsync(created.Token, CancellationToken.None));
        Assert.Equal("user-1", await tokens.FindUserIdAsync(forever.Token, CancellationToken.None));
        Assert.Null(forever.Info.ExpiresAt);
    }

    [Theory]
    [InlineData("", 30)]
    [InlineData("ok", -1)]
    public async Task Create_BadNameOrValidity_RefusedWithTheRule(string name, int days)
    {
        await using var host = await AccessHost.StartAsync();
        var tokens = host.Services.GetRequiredService<ApiTokens>();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => tokens.CreateAsync("user-1", name, days, CancellationToken.None));

        Assert.Matches("name of 1–128 characters|0 \\(never expires\\) to 3650 days", error.Message);
    }
}
