using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Components.Pages.Costs;
using BatchInsights.Web.Components.Pages.Jobs;
using BatchInsights.Web.Endpoints;
using Bunit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Web;

public sealed class CostsPageTests : UiTestContext
{
    private static readonly long Today = CostLedger.DayStart(Rows.Now.ToUnixTimeMilliseconds());

    internal static CostRollupRow Rollup(string queue, string ce, long day, long micros, string lifecycle = CostLifecycle.Spot, bool idle = false, long estimated = 0,
        string tagKey = "team", string tagValue = "", int periodHours = 24) => new()
    {
        Account = Rows.Account,
        Region = Rows.Region,
        PeriodHours = periodHours,
        PeriodStartMs = day,
        ComputeEnvironment = ce,
        QueueName = idle ? "" : queue,
        JobDefinition = idle ? "" : "def-" + queue,
        TagKey = tagKey,
        TagValue = tagValue,
        Lifecycle = lifecycle,
        IsIdle = idle,
        CostMicroUsd = micros,
        EstimatedMicroUsd = estimated,
        Attempts = idle ? 0 : 3,
    };

    internal static object[] Sample() =>
    [
        Rollup("etl", "spot-ce", Today - 86_400_000, 4_000_000, tagValue: "red"),
        Rollup("etl", "spot-ce", Today, 2_000_000, estimated: 1_000_000, tagValue: "red"),
        Rollup("ml", "od-ce", Today, 3_000_000, CostLifecycle.OnDemand, tagValue: "blue"),
        Rollup("", "spot-ce", Today, 1_000_000, idle: true),
        // Another tag key's copy of the same costs and a day outside the 7-day range: neither may be counted.
        Rollup("etl", "spot-ce", Today, 2_000_000, tagKey: "project", tagValue: "x"),
        Rollup("etl", "spot-ce", Today - (30 * 86_400_000L), 9_000_000),
    ];

    [Fact]
    public void Render_ByQueue_ShowsGroupsIdleAndEstimatedShare()
    {
        Db.Add(Sample());

        var page = RenderPage<CostsPage>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=cost-row]").Count));
        Assert.Equal("$6.0000", page.Find("[data-testid=cost-row][data-key=etl] [data-testid=cost-row-total]").TextContent.Trim());
        Assert.Equal("$3.0000", page.Find("[data-testid=cost-row][data-key=ml] [data-testid=cost-row-total]").TextContent.Trim());
        Assert.Equal("$1.0000", page.Find($"[data-testid=cost-row][data-key='{CostQueries.IdleKey}'] [data-testid=cost-row-total]").TextContent.Trim());
        Assert.Contains("$10.00", page.Find("[data-testid=cost-total]").TextContent, StringComparison.Ordinal);
        Assert.Contains("10.0 %", page.Find("[data-testid=cost-idle]").TextContent, StringComparison.Ordinal);
        Assert.Contains("estimated 16.7 %", page.Find("[data-testid=cost-row][data-key=etl]").TextContent, StringComparison.Ordinal);
        Assert.Contains("larger of its vCPU, memory and GPU fractions", page.Find("[data-testid=cost-share-rule]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ByComputeEnvironment_PutsIdleInsideItsCe()
    {
        Db.Add(Sample());
        Navigation.NavigateTo("/costs?groupBy=ce");

        var page = RenderPage<CostsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=cost-row]").Count));
        Assert.Equal("$7.0000", page.Find("[data-testid=cost-row][data-key=spot-ce] [data-testid=cost-row-total]").TextContent.Trim());
        Assert.Equal("$1.0000", page.Find("[data-testid=cost-row][data-key=spot-ce] [data-testid=cost-row-idle]").TextContent.Trim());
    }

    [Fact]
    public void Render_NoRollups_ShowsEmptyState()
    {
        var page = RenderPage<CostsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=cost-empty]")));
    }

    [Fact]
    public void Render_JobDetailWithAttemptCost_ShowsCostAndEstimatedLabel()
    {
        Db.Add(Rows.Job("job-1", "etl", "SUCCEEDED", Rows.Now.AddHours(-1)), new AttemptCostRow
        {
            Account = Rows.Account, Region = Rows.Region, JobId = "job-1", AttemptIndex = 0, Lifecycle = CostLifecycle.Spot, InstanceType = "m5.large",
            Share = 0.5, CostMicroUsd = 48_000, Estimated = true, EstimateBasis = "ce-cheapest-fitting-type",
        });

        var detail = Render<JobDetailPage>(p => p.Add(x => x.JobId, "job-1"));

        detail.WaitForAssertion(() => Assert.Single(detail.FindAll("[data-testid=job-cost-row]")));
        Assert.Contains("$0.048000", detail.Find("[data-testid=job-cost]").TextContent, StringComparison.Ordinal);
        Assert.Single(detail.FindAll("[data-testid=job-cost-estimated]"));
    }

    [Theory]
    [InlineData("queue", 3, 10.0)]
    [InlineData("tag:team", 3, 10.0)]
    [InlineData("tag:project", 1, 2.0)]
    public async Task GetCostsAsync_Grouping_ReturnsGroupsThatSumToTotal(string groupBy, int groups, double total)
    {
        Db.Add(Sample());
        var queries = new CostQueries(Db.Factory, Options.Create(new CostOptions()), Clock);

        var result = await CostEndpoints.GetCostsAsync(queries, groupBy, null, null, null, null, CancellationToken.None);

        var report = Assert.IsType<Ok<CostReport>>(result.Result).Value!;
        Assert.Equal(groups, report.Groups.Count);
        Assert.Equal((decimal)total, report.TotalUsd);
        Assert.Equal(report.TotalUsd, report.Groups.Sum(g => g.TotalUsd));
        Assert.Equal(24, report.PeriodHours);
    }

    [Theory]
    [InlineData("groupBy", "colour", null, null)]
    [InlineData("from", "queue", "yesterday", null)]
    [InlineData("from", "queue", "2026-11-25T00:00Z", "2026-11-24T00:00Z")]
    public async Task GetCostsAsync_BadParameter_ValidationProblemNamingIt(string parameter, string groupBy, string? from, string? to)
    {
        var queries = new CostQueries(Db.Factory, Options.Create(new CostOptions()), Clock);

        var result = await CostEndpoints.GetCostsAsync(queries, groupBy, from, to, null, null, CancellationToken.None);

        var problem = Assert.IsType<ValidationProblem>(result.Result);
        Assert.Equal([parameter], problem.ProblemDetails.Errors.Keys);
    }

    [Fact]
    public async Task GetCostsAsync_PartialDayRange_ReadsHourlyRollups()
    {
        Db.Add(Rollup("etl", "spot-ce", Today + (3 * 3_600_000), 500_000, periodHours: 1), Rollup("etl", "spot-ce", Today + (9 * 3_600_000), 700_000, periodHours: 1));
        var queries = new CostQueries(Db.Factory, Options.Create(new CostOptions()), Clock);

        var result = await CostEndpoints.GetCostsAsync(queries, "queue", "2026-11-25T02:30:00Z", "2026-11-25T06:00:00Z", Rows.Account, Rows.Region, CancellationToken.None);

        var report = Assert.IsType<Ok<CostReport>>(result.Result).Value!;
        Assert.Equal(1, report.PeriodHours);
        Assert.Equal(0.5m, report.TotalUsd);
    }
}
