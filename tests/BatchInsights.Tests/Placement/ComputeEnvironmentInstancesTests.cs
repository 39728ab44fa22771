using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.ComputeEnvironments;
using BatchInsights.Web.Endpoints;
using Bunit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Placement;

/// <summary>The CE page's instances section and the instances API over a real SQLite database.</summary>
public sealed class ComputeEnvironmentInstancesTests : UiTestContext
{
    private const string Cluster = "AWSBatch-spot-1111";
    private static readonly string ArnPrefix = $"arn:aws:ecs:{Rows.Region}:{Rows.Account}:container-instance/{Cluster}/";

    private void SeedSpotCe()
    {
        var ce = Rows.Ce("spot", "SPOT");
        ce.EcsClusterArn = $"arn:aws:ecs:{Rows.Region}:{Rows.Account}:cluster/{Cluster}";
        Db.Add(ce,
            Instance("i-0aaa", Rows.Now.AddHours(-3), terminated: Rows.Now.AddHours(-1), "Server.SpotInstanceTermination"),
            Instance("i-0bbb", Rows.Now.AddHours(-2), terminated: null, null),
            new ContainerInstanceRow
            {
                Account = Rows.Account, Region = Rows.Region, ContainerInstanceArn = ArnPrefix + "c1", ClusterName = Cluster,
                Status = ContainerInstanceStatus.Mapped, Ec2InstanceId = "i-0aaa", InstanceType = "c5.large", AvailabilityZone = "us-east-1a",
            },
            new ContainerInstanceRow
            {
                Account = Rows.Account, Region = Rows.Region, ContainerInstanceArn = ArnPrefix + "c3", ClusterName = Cluster,
                Status = ContainerInstanceStatus.Missing, EstimatedInstanceId = "i-0ccc", EstimateBasis = "reclaim-reason",
            },
            Attempt("j1", "c1", Rows.Now.AddHours(-2.5), Rows.Now.AddHours(-1), "Host EC2 (instance i-0aaa) terminated."),
            // ECS forgot c3; the reclaim reason still names the instance: an estimated instance of 30 minutes.
            Attempt("j2", "c3", Rows.Now.AddDays(-2), Rows.Now.AddDays(-2).AddMinutes(30), "Host EC2 (instance i-0ccc) terminated."),
            Attempt("j3", "c9", Rows.Now.AddHours(-1), Rows.Now.AddMinutes(-30), "Essential container in task exited"));
    }

    private static Ec2InstanceRow Instance(string id, DateTimeOffset launch, DateTimeOffset? terminated, string? reason) => new()
    {
        Account = Rows.Account, Region = Rows.Region, InstanceId = id, ComputeEnvironmentName = "spot", InstanceType = "c5.large",
        AvailabilityZone = "us-east-1a", Lifecycle = "spot", LaunchTimeMs = Rows.Ms(launch), FirstSeenMs = Rows.Ms(launch), LastSeenMs = Rows.Ms(Rows.Now),
        State = terminated is null ? "running" : "terminated", TerminatedAtMs = terminated is { } t ? Rows.Ms(t) : null, StateReasonCode = reason,
    };

    private static JobAttemptRow Attempt(string job, string ci, DateTimeOffset start, DateTimeOffset stop, string reason) => new()
    {
        Account = Rows.Account, Region = Rows.Region, JobId = job, ContainerInstanceArn = ArnPrefix + ci,
        StartedAtMs = Rows.Ms(start), StoppedAtMs = Rows.Ms(stop), StatusReason = reason,
    };

    [Fact]
    public void Render_SpotCeWithHarvestedAndForgottenInstances_ShowsHoursEstimatesAndInterruptions()
    {
        SeedSpotCe();

        var cut = Render<ComputeEnvironmentInstances>(p => p.Add(c => c.Name, "spot"));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=ce-instance-row]").Count));
        // i-0aaa ran 2 h, i-0bbb 2 h so far; i-0ccc is estimated from its attempt (0.5 h).
        Assert.Equal("4", cut.Find("[data-testid=ce-spot-hours]").TextContent);
        Assert.Equal("0", cut.Find("[data-testid=ce-ondemand-hours]").TextContent);
        Assert.Equal("0.5", cut.Find("[data-testid=ce-estimated-hours]").TextContent);
        var estimated = cut.Find("[data-instance=i-0ccc]");
        Assert.Contains("estimated", estimated.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("estimated", cut.Find("[data-instance=i-0aaa]").TextContent, StringComparison.Ordinal);
        Assert.Contains("running", cut.Find("[data-instance=i-0bbb]").TextContent, StringComparison.Ordinal);
        var pool = cut.Find("[data-testid=ce-interruption-row][data-pool='c5.large/us-east-1a']");
        Assert.Equal(["c5.large", "us-east-1a", "1", "1", "2"], pool.QuerySelectorAll("td").Select(td => td.TextContent));
    }

    [Fact]
    public void Render_CeWithoutInstances_SaysSo()
    {
        Db.Add(Rows.Ce("od"));

        var cut = Render<ComputeEnvironmentInstances>(p => p.Add(c => c.Name, "od"));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=ce-instances-empty]")));
        Assert.NotNull(cut.Find("[data-testid=ce-interruptions-none]"));
    }

    [Fact]
    public async Task GetInstancesAsync_KnownAndUnknownCe_OkWithTheUnmappedAttemptOrNotFound()
    {
        SeedSpotCe();
        var queries = Services.GetRequiredService<InstanceQueries>();

        var ok = Assert.IsType<Ok<CeInstancesView>>((await InstanceEndpoints.GetInstancesAsync(queries, "spot", CancellationToken.None)).Result);
        var missing = (await InstanceEndpoints.GetInstancesAsync(queries, "nope", CancellationToken.None)).Result;

        Assert.Equal(3, ok.Value!.TotalInstances);
        Assert.Equal(1, ok.Value.UnmappedAttempts);
        Assert.Equal("reclaim-reason", Assert.Single(ok.Value.Instances, i => i.Estimated).Basis);
        Assert.IsType<NotFound>(missing);
    }
}
