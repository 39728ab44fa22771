using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Browse;

public sealed class HarvestStatusQueriesTests : IDisposable
{
    private const string Denied =
        "UnauthorizedOperation: User: arn:aws:sts::123456789012:assumed-role/bi/x is not authorized to perform: ec2:DescribeSpotPriceHistory";

    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>A finished run that started <paramref name="ago"/> before now and took a minute.</summary>
    internal static HarvestRunRow Run(string kind, string outcome, TimeSpan ago, string region = Rows.Region,
        long calls = 0, long throttled = 0, string? error = null, bool running = false)
    {
        var started = Rows.Now.UtcDateTime - ago;
        return new HarvestRunRow
        {
            Account = Rows.Account,
            Region = region,
            Kind = kind,
            Outcome = outcome,
            StartedAt = started,
            EndedAt = running ? null : started.AddMinutes(1),
            Calls = calls,
            Throttled = throttled,
            Error = error,
        };
    }

    private Task<IReadOnlyList<HarvestSourceStatus>> ListAsync() =>
        new HarvestStatusQueries(_db.Factory, new FakeTimeProvider(Rows.Now)).ListAsync();

    [Fact]
    public async Task ListAsync_NoRuns_Empty()
    {
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task ListAsync_ConfiguredTargetsWithoutRuns_ListedAsNeverStartedPerHarvest()
    {
        // Rows.Account/Region has run its Batch harvest only; a second account was just added to the config.
        _db.Add(Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(6)));
        AwsTarget[] configured = [new(Rows.Account, Rows.Region), new("prod-eu", "eu-west-1")];

        var statuses = await new HarvestStatusQueries(_db.Factory, new FakeTimeProvider(Rows.Now), configuredTargets: configured).ListAsync();

        var newTarget = statuses.Where(s => s.Account == "prod-eu").ToList();
        Assert.Equal(HarvestStatusQueries.PerTargetKinds.Order(), newTarget.Select(s => s.Kind).Order());
        Assert.All(newTarget, s => Assert.Equal((HarvestHealth.Never, HarvestStatusQueries.NotStarted, (DateTime?)null), (s.Health, s.LastOutcome, s.LastStartedAt)));
        var old = statuses.Where(s => s.Account == Rows.Account).ToDictionary(s => s.Kind);
        Assert.Equal(HarvestHealth.Ok, old["batch"].Health);
        Assert.Equal(HarvestStatusQueries.NotStarted, old["network"].LastOutcome);
    }

    [Fact]
    public async Task ListAsync_RecentSuccess_OkWithLagFromItsEnd()
    {
        _db.Add(Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(6)));

        var status = Assert.Single(await ListAsync());

        Assert.Equal(HarvestHealth.Ok, status.Health);
        Assert.Equal(5 * 60, status.LagSeconds);
        Assert.Null(status.LastError);
        Assert.False(status.AccessDenied);
    }

    [Fact]
    public async Task ListAsync_LastRunDeniedAfterSuccess_FailingWithReasonAndMissingPermission()
    {
        _db.Add(
            Run("spot-prices", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(61)),
            Run("spot-prices", HarvestOutcome.Failed, TimeSpan.FromMinutes(31), error: Denied));

        var status = Assert.Single(await ListAsync());

        Assert.Equal(HarvestHealth.Failing, status.Health);
        Assert.Equal(HarvestOutcome.Failed, status.LastOutcome);
        Assert.Equal(Denied, status.LastError);
        Assert.Equal(Rows.Now.UtcDateTime.AddMinutes(-30), status.LastFailureAt);
        Assert.Equal("ec2:DescribeSpotPriceHistory", status.MissingPermission);
        Assert.True(status.AccessDenied);
        Assert.Equal(60 * 60, status.LagSeconds);
    }

    [Fact]
    public async Task ListAsync_FailureFixedBySuccess_OkAndNoMissingPermission()
    {
        _db.Add(
            Run("spot-prices", HarvestOutcome.Failed, TimeSpan.FromMinutes(61), error: Denied),
            Run("spot-prices", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(31)));

        var status = Assert.Single(await ListAsync());

        Assert.Equal(HarvestHealth.Ok, status.Health);
        Assert.Equal(Denied, status.LastError);
        Assert.Null(status.MissingPermission);
        Assert.False(status.AccessDenied);
    }

    [Fact]
    public async Task ListAsync_PerKindThresholds_BatchStaleAfterAnHourSpotPricesNot()
    {
        _db.Add(
            Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(61)),
            Run("spot-prices", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(61)));

        var statuses = await ListAsync();

        Assert.Equal(
            [("batch", HarvestHealth.Stale), ("spot-prices", HarvestHealth.Ok)],
            statuses.Select(s => (s.Kind, s.Health)));
    }

    [Fact]
    public async Task ListAsync_OnlyARunningRun_NeverWithoutLag()
    {
        _db.Add(Run("batch", HarvestOutcome.Running, TimeSpan.FromMinutes(1), running: true));

        var status = Assert.Single(await ListAsync());

        Assert.Equal(HarvestHealth.Never, status.Health);
        Assert.Null(status.LagSeconds);
        Assert.Null(status.LastSuccessAt);
        Assert.Null(status.LastEndedAt);
    }

    [Fact]
    public async Task ListAsync_ManyRuns_LastRunAndLast24hSumsPerTargetAndKind()
    {
        _db.Add(
            Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromHours(30), calls: 100, throttled: 50),
            Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromHours(2), calls: 3, throttled: 1),
            Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(2), calls: 4, throttled: 2),
            Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(2), region: "eu-west-1", calls: 9));

        var statuses = await ListAsync();

        Assert.Equal(["eu-west-1", Rows.Region], statuses.Select(s => s.Region));
        var east = statuses[1];
        Assert.Equal((4L, 2L), (east.LastCalls, east.LastThrottled));
        Assert.Equal((2, 7L, 3L), (east.Runs24h, east.Calls24h, east.Throttled24h));
        Assert.Equal((1, 9L), (statuses[0].Runs24h, statuses[0].Calls24h));
    }

    [Theory]
    [InlineData(Denied, true, "ec2:DescribeSpotPriceHistory")]
    [InlineData("AccessDeniedException: User: arn:aws:iam::1:user/u is not authorized to perform: batch:DescribeJobQueues on resource: *", true, "batch:DescribeJobQueues")]
    [InlineData("AccessDenied: Access Denied", true, null)]
    [InlineData("UnauthorizedOperation: You are not authorized to perform this operation.", true, null)]
    [InlineData("ThrottlingException: Rate exceeded", false, null)]
    [InlineData(null, false, null)]
    public void ReadAuthorizationError_Messages_DeniedAndNamedAction(string? error, bool denied, string? permission)
    {
        Assert.Equal((denied, permission), HarvestStatusQueries.ReadAuthorizationError(error));
    }
}
