using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Recommendations;
using BatchInsights.Tests.Web;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Apply;

/// <summary>Realized savings of an applied recommendation, measured from real cost roll-ups and attempt costs in SQLite.</summary>
public sealed class ChangeHistoryTests : IDisposable
{
    private const string Ce = "ce";
    private const long Day = 86_400_000;
    private static readonly DateTimeOffset ApplyAt = new(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
    private readonly TestDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(ApplyAt);

    public void Dispose() => _db.Dispose();

    private ChangeHistory History() => new(_db.Factory, Options.Create(new CostOptions()), _clock);

    /// <summary>$100/day before the apply day and $80/day after, with 10 job-hours a day throughout.</summary>
    private void CostsAroundTheApply()
    {
        var applyDay = CostLedger.DayStart(ApplyAt.ToUnixTimeMilliseconds());
        for (var d = -7; d <= 6; d++)
        {
            var day = applyDay + (d * Day);
            var micros = d < 0 ? 100_000_000L : d == 0 ? 90_000_000L : 80_000_000L;
            _db.Add(CostsPageTests.Rollup("q", Ce, day, micros), new AttemptCostRow
            {
                Account = Rows.Account, Region = Rows.Region, JobId = $"job-{d + 10}", ComputeEnvironment = Ce, Lifecycle = CostLifecycle.Spot,
                StartedAtMs = day + 3_600_000, StoppedAtMs = day + (11 * 3_600_000), CostMicroUsd = micros,
            });
        }
    }

    private async Task<(long RecommendationId, AuditEntry Apply)> ApplyAsync()
    {
        var store = new RecommendationStore(_db.Factory, _clock);
        await RecommendationStoreTests.StoreRunAsync(store, RecommendationStoreTests.Sample(Ce, savings: 500m));
        var recommendation = (await store.ListLatestAsync(TargetFilter.All)).Single();
        var apply = await new AuditLog(_db.Factory, _clock).AppendAsync(new AuditDraft("olga", AuditAction.Apply, Rows.Account, Rows.Region, Ce, AuditResult.Succeeded,
            "accepted", recommendation.Id, RequestJson: """{"computeEnvironment":"ce","instanceTypes":["c6i","m6i"],"bidPercentage":80}"""));
        return (recommendation.Id, apply);
    }

    [Fact]
    public async Task Realized_SixFullDaysAfter_CostPerJobHourBeforeVsAfterTimesTheWorkSince()
    {
        CostsAroundTheApply();
        await ApplyAsync();
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

        var changes = await History().ListAsync(Rows.Ms(ApplyAt.AddDays(-1)), Rows.Ms(ApplyAt.AddDays(1)));
        var total = await History().RealizedAsync();

        var change = Assert.Single(changes);
        Assert.Equal("instanceTypes=c6i,m6i, bidPercentage=80", change.Summary);
        Assert.Equal(("olga", 500m), (change.Actor, change.PredictedMonthlyUsd));
        var realized = change.Realized!;
        // 6 whole days after the apply day (19th–24th) against the 6 before it (12th–17th); the apply day is left out.
        Assert.Equal((6, 100m, 80m), (realized.Days, realized.CostPerDayBefore, realized.CostPerDayAfter));
        // $10 → $8 per job-hour at 10 job-hours a day: $2 × 10 × 30.4 days.
        Assert.Equal(608m, realized.MonthlyUsd);
        Assert.Equal(new RealizedTotal(1, 1, 500m, 608m), total);
    }

    [Fact]
    public async Task Realized_BeforeTheFirstFullDayAfter_MeasuringNotGuessed()
    {
        CostsAroundTheApply();
        await ApplyAsync();
        _clock.SetUtcNow(ApplyAt.AddHours(20));

        var total = await History().RealizedAsync();

        Assert.Equal(new RealizedTotal(1, 0, 500m, 0m), total);
    }

    [Fact]
    public async Task Realized_RolledBack_LeftOutOfTheTotalAndMeasuredOnlyUntilTheRollback()
    {
        CostsAroundTheApply();
        var (recommendationId, apply) = await ApplyAsync();
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
        await new AuditLog(_db.Factory, _clock).AppendAsync(new AuditDraft("olga", AuditAction.Rollback, Rows.Account, Rows.Region, Ce, AuditResult.Succeeded,
            "rolled back", recommendationId, apply.Id, RequestJson: """{"computeEnvironment":"ce","instanceTypes":["optimal"]}"""));
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

        var changes = await History().ListAsync(Rows.Ms(ApplyAt.AddDays(-1)), Rows.Ms(ApplyAt.AddDays(7)));
        var total = await History().RealizedAsync();

        Assert.Equal([AuditAction.Apply, AuditAction.Rollback], changes.Select(c => c.Action));
        Assert.NotNull(changes[0].RolledBackAt);
        // Only the 19th and 20th ran with the change.
        Assert.Equal(2, changes[0].Realized!.Days);
        Assert.Equal(new RealizedTotal(0, 0, 0m, 0m), total);
    }
}
