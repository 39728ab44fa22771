using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Core.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Browse;

public sealed class HarvestStaleThresholdsTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void From_DefaultOptions_ThreeCronPeriodsWithAFifteenMinuteFloor()
    {
        var thresholds = HarvestStaleThresholds.From(new HarvestOptions());

        Assert.Equal(TimeSpan.FromMinutes(15), thresholds.For("batch"));
        Assert.Equal(TimeSpan.FromMinutes(90), thresholds.For("spot-prices"));
        Assert.Equal(TimeSpan.FromHours(36), thresholds.For("catalog"));
        Assert.Equal(HarvestStaleThresholds.Fallback, thresholds.For("some-future-kind"));
    }

    [Fact]
    public void From_SlowerCronAndOverride_FollowTheCronAndTheOverrideWins()
    {
        var thresholds = HarvestStaleThresholds.From(new HarvestOptions
        {
            // Weekdays at 06:00 only: the longest gap is the weekend (Friday → Monday, 72 h).
            SpotPriceCron = "0 6 * * 1-5",
            StaleAfterCronPeriods = 2,
            StaleAfterMinutes = new() { ["batch"] = 5 },
        });

        Assert.Equal(TimeSpan.FromHours(144), thresholds.For("spot-prices"));
        Assert.Equal(TimeSpan.FromMinutes(5), thresholds.For("batch"));
    }

    [Fact]
    public void Validate_BadStaleSettings_NameTheKeys()
    {
        var result = new ValidateHarvestOptions().Validate(null, new HarvestOptions
        {
            StaleAfterCronPeriods = 0,
            StaleAfterMinutes = new() { ["spot-prices"] = 0 },
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Harvest:StaleAfterCronPeriods '0'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Harvest:StaleAfterMinutes:spot-prices '0'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListAsync_ConfiguredThresholds_JudgeLagByThemAndReportThem()
    {
        _db.Add(
            HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(10)),
            HarvestStatusQueriesTests.Run("spot-prices", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(100), throttled: 7));
        var thresholds = HarvestStaleThresholds.From(new HarvestOptions { StaleAfterMinutes = new() { ["batch"] = 5 } });

        var statuses = await new HarvestStatusQueries(_db.Factory, new FakeTimeProvider(Rows.Now), thresholds).ListAsync();

        // Batch: 9 min since its end > 5 min configured. Spot prices: 99 min > 90 min (3 × its 30-minute cron).
        Assert.Equal(
            [("batch", HarvestHealth.Stale, 9 * 60L, 5 * 60L), ("spot-prices", HarvestHealth.Stale, 99 * 60L, 90 * 60L)],
            statuses.Select(s => (s.Kind, s.Health, s.LagSeconds!.Value, s.StaleAfterSeconds)));
        Assert.Equal(7, statuses[1].LastThrottled);
    }
}
