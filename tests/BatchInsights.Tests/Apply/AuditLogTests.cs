using BatchInsights.Core.Apply;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Apply;

/// <summary>The audit log over a migrated SQLite file: append-only, and "applied" derived from it.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private HarvestDatabase _db = null!;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync() => _db = await HarvestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static AuditDraft Apply(long? recommendationId = 7, string result = AuditResult.Succeeded) =>
        new("alice", AuditAction.Apply, "sandbox", "us-east-1", "od-general", result, "accepted", recommendationId, BeforeJson: "{}", RequestJson: "{}");

    [Fact]
    public async Task SaveChanges_ModifiedAuditRow_ThrowsAndTheRowStaysAsWritten()
    {
        var entry = await new AuditLog(_db.Factory, _clock).AppendAsync(Apply());
        await using var db = await _db.Factory.CreateDbContextAsync();
        var row = await db.AuditEntries.SingleAsync(e => e.Id == entry.Id);

        row.Result = AuditResult.Failed;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        await using var fresh = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(AuditResult.Succeeded, (await fresh.AuditEntries.AsNoTracking().SingleAsync()).Result);
    }

    [Fact]
    public async Task SaveChanges_DeletedAuditRow_ThrowsAndTheRowRemains()
    {
        await new AuditLog(_db.Factory, _clock).AppendAsync(Apply());
        await using var db = await _db.Factory.CreateDbContextAsync();
        db.AuditEntries.Remove(await db.AuditEntries.SingleAsync());

        Assert.Throws<InvalidOperationException>(() => db.SaveChanges());

        await using var fresh = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(1, await fresh.AuditEntries.CountAsync());
    }

    [Fact]
    public async Task AppliedAsync_OnlyRefusedOrOtherRecommendations_IsNullUntilAnAcceptedApply()
    {
        var log = new AuditLog(_db.Factory, _clock);
        await log.AppendAsync(Apply(result: AuditResult.Failed));
        await log.AppendAsync(Apply(recommendationId: 8));
        Assert.Null(await log.AppliedAsync(7));

        _clock.Advance(TimeSpan.FromMinutes(3));
        var applied = await log.AppendAsync(Apply());
        await log.AppendAsync(new AuditDraft("system", AuditAction.Outcome, "sandbox", "us-east-1", "od-general", AuditResult.Valid, ParentId: applied.Id));

        var mark = await log.AppliedAsync(7);
        Assert.Equal((applied.Id, "alice", new DateTime(2026, 11, 26, 9, 3, 0, DateTimeKind.Utc), AuditResult.Valid), (mark!.AuditId, mark.Actor, mark.At, mark.Outcome));
        Assert.Null(mark.RolledBackBy);
        Assert.Equal([applied.Id + 1, applied.Id, applied.Id - 1, applied.Id - 2], (await log.ListAsync()).Select(e => e.Id));
    }
}
