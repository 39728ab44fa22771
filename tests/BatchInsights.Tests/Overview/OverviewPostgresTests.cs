using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Postgres;
using Microsoft.Extensions.Time.Testing;
using static BatchInsights.Tests.Overview.OverviewData;

namespace BatchInsights.Tests.Overview;

/// <summary>The Overview's reads (week costs, status counts, stuck queues, failures through the partial index's filter) on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OverviewPostgresTests(PostgresServerFixture server)
{
    [Fact]
    public async Task GetAsync_OnPostgres_SameNumbersAsOnSqlite()
    {
        await using var database = await server.CreateMigratedDatabaseAsync();
        var clock = new FakeTimeProvider(Rows.Now);
        var now = Rows.Ms(Rows.Now);
        object[] rows =
        [
            Rows.Ce("ce"), Rows.Queue("etl", "ce"),
            Rows.Job("w1", "etl", BatchJobStatus.Runnable, Rows.Now.AddHours(-2)),
            Rows.Job("s1", "etl", BatchJobStatus.Succeeded, Rows.Now.AddHours(-1)),
            Rollup("etl", "ce", Day(2026, 11, 24), 4_000_000), Rollup("etl", "ce", Day(2026, 11, 17), 2_000_000),
            Attempt("ok", now - 3_600_000, 0), Attempt("spot", now - 3_600_000, null, statusReason: "Host EC2 (instance i-1) terminated."),
            Attempt("app", now - 3_600_000, 1), Attempt("old", now - (9 * 86_400_000L), 1),
        ];
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            db.AddRange(rows);
            await db.SaveChangesAsync();
        }

        var s = await Queries(database.Factory, clock).GetAsync(TargetFilter.From(Rows.Account, Rows.Region));

        Assert.Equal((4m, 2m), (s.ThisWeek.TotalUsd, s.LastWeek.TotalUsd));
        Assert.Equal(1, s.Jobs.ByStatus.Single(c => c.Status == BatchJobStatus.Succeeded).Count);
        Assert.Equal("etl", Assert.Single(s.StuckQueues).Queue);
        Assert.Equal((3L, 2L), (s.Failures.Attempts, s.Failures.Failed));
        Assert.Equal(["exit-code", "spot-reclaim"], s.Failures.Causes.Select(c => c.Cause).Order(StringComparer.Ordinal));
    }
}
