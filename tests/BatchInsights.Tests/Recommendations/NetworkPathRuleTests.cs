using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Networking;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Placement;
using Microsoft.Extensions.Logging.Abstractions;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

public sealed class NetworkPathRuleTests
{
    private static readonly string[] Zones3 = ["us-east-1a", "us-east-1b", "us-east-1c"];

    private static NatGatewayFact Nat(string az, decimal? gb) => new($"nat-{az[^1]}", az, "available", gb, gb is null ? 0 : 30);

    private static EndpointFact Interface(string service, params string[] zones) => new(service, "Interface", "available", zones);

    private static readonly EndpointFact S3Gateway = new("s3", "Gateway", "available", []);

    private static VpcFact Vpc(IReadOnlyList<NatGatewayFact> nats, IReadOnlyList<EndpointFact>? endpoints = null, IReadOnlyList<string>? zones = null, double launches = 0) =>
        new(Account, Region, "vpc-1", ["ce"], zones ?? Zones3, nats, [], endpoints ?? [], launches);

    private static RecommendationInput With(VpcFact vpc, params NetworkFact[] network) =>
        Input([Ce()], [Queue()], []) with { Vpcs = [vpc], Network = network };

    /// <summary>A VPC with a NAT gateway in each of 3 AZs, <paramref name="gbPerNat"/> GB/month each, and no endpoints.</summary>
    internal static RecommendationInput ThreeNatsNoEndpoints(decimal gbPerNat) =>
        With(Vpc([Nat("us-east-1a", gbPerNat), Nat("us-east-1b", gbPerNat), Nat("us-east-1c", gbPerNat)]));

    private static Recommendation Single(RecommendationInput input) => Assert.Single(new NetworkPathRule().Evaluate(input));

    [Fact]
    public void BreakEven_ThreeAzs_MatchesTheWorkedExampleOfAwsFacts44()
    {
        // aws-facts §4.4: (131.40 − 98.55) / 0.035 ≈ 940 GB/month; $21.90 / 0.035 ≈ 626 GB/month per endpoint.
        Assert.InRange(NetworkPathRule.FullReplacementBreakEvenGb(zones: 3, natGateways: 3, interfaceEndpoints: 6), 935m, 945m);
        Assert.Equal(626m, decimal.Round(NetworkPathRule.PerEndpointBreakEvenGb(3)));
        Assert.Equal(98.55m, 3 * NetworkPrices.NatMonthlyUsd(0));
    }

    [Fact]
    public void Evaluate_LowVolumeThreeAzNoEndpoints_KeepsNatsAndAddsTheS3Gateway()
    {
        var input = ThreeNatsNoEndpoints(100);

        var r = Single(input);

        Assert.Equal(RecommendationTargetKind.Vpc, r.Target.Kind);
        Assert.Equal("vpc-1", r.Target.Name);
        var change = Assert.Single(r.Changes);
        Assert.Equal(NetworkPathRule.EndpointsField, change.FieldPath);
        Assert.Equal("(none)", change.CurrentValue);
        Assert.Equal("s3 (Gateway)", change.ProposedValue);
        // 300 GB × 50 % S3 share × $0.045 no longer processed by NAT; nothing added.
        Assert.Equal(6.75m, r.Savings.MonthlyUsd);
        Assert.Equal(RecommendationConfidence.Medium, r.Confidence);
        Assert.Contains("in the VPC", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Assumptions, a => a.Contains("50 %", StringComparison.Ordinal) && a.Contains("S3", StringComparison.Ordinal));
        var chart = Assert.Single(r.Evidence, e => e.Kind == EvidenceKind.Series);
        Assert.Contains(chart.Labels, l => l == "300 GB (measured)");
        Assert.Contains(r.Evidence, e => e.Kind == EvidenceKind.Table && e.Rows.Any(row => row[0] == "nat-a" && row[2] == "100 GB"));
    }

    [Fact]
    public void Evaluate_HighVolume_AddsTheInterfaceEndpointsButKeepsNat()
    {
        var input = ThreeNatsNoEndpoints(10_000);

        var r = Single(input);

        var change = Assert.Single(r.Changes);
        Assert.Equal(NetworkPathRule.EndpointsField, change.FieldPath);
        foreach (var service in new[] { "s3", "ecs", "ecs-agent", "ecs-telemetry", "ecr.api", "ecr.dkr", "logs" })
        {
            Assert.Contains(service + " (", change.ProposedValue, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(r.Changes, c => c.FieldPath == NetworkPathRule.NatGatewaysField);
        // Today 98.55 + 30,000 × 0.045 = 1,448.55; then 98.55 + 131.40 + 9,000 GB via NAT × 0.045 + 6,000 GB × 0.01 = 694.95.
        Assert.Equal(753.60m, r.Savings.MonthlyUsd);
        Assert.True(r.Savings.LowUsd < r.Savings.MonthlyUsd && r.Savings.MonthlyUsd < r.Savings.HighUsd);
    }

    [Fact]
    public void Evaluate_S3GatewayPresentAndLowVolume_GivesNoAdvice()
    {
        var input = With(Vpc([Nat("us-east-1a", 100), Nat("us-east-1b", 100), Nat("us-east-1c", 100)], [S3Gateway]));

        Assert.Empty(new NetworkPathRule().Evaluate(input));
    }

    [Fact]
    public void Evaluate_NoBytesMeasured_EstimatesFromLaunchesWithLowConfidence()
    {
        var input = With(Vpc([Nat("us-east-1a", null)], launches: 600));

        var r = Single(input);

        Assert.Equal(RecommendationConfidence.Low, r.Confidence);
        Assert.Equal("s3 (Gateway)", Assert.Single(r.Changes).ProposedValue);
        Assert.Contains("estimated", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Assumptions, a => a.Contains("600 instance launches", StringComparison.Ordinal));
        Assert.Contains(Assert.Single(r.Evidence, e => e.Kind == EvidenceKind.Series).Labels, l => l == "600 GB (estimated)");
        // 600 GB × 50 % × ($0.045 NAT + $0.01 cross-AZ for the two AZs without a NAT × 2/3).
        Assert.Equal(15.50m, r.Savings.MonthlyUsd);
    }

    [Fact]
    public void Evaluate_ImageSizeSetting_ScalesTheEstimate()
    {
        var input = With(Vpc([Nat("us-east-1a", null)], launches: 600));
        var bigger = input with { Settings = new RecommendationSettings { Network = new NetworkAssumptions(ImageSizeGb: 4) } };

        Assert.Equal(4 * Single(input).Savings.MonthlyUsd, Single(bigger).Savings.MonthlyUsd);
    }

    [Fact]
    public void Evaluate_EveryEndpointPresent_ProposesRemovingTheNatGatewaysWithLowConfidence()
    {
        string[] zones = ["us-east-1a", "us-east-1b"];
        var endpoints = NetworkPathRule.InterfaceServices.Select(s => Interface(s, zones)).Append(S3Gateway).ToList();
        var input = With(Vpc([Nat("us-east-1a", 50), Nat("us-east-1b", 50)], endpoints, zones), new NetworkFact(Account, Region, "ce", "vpc-1", NetworkPathKind.Endpoints, []));

        var r = Single(input);

        var change = Assert.Single(r.Changes);
        Assert.Equal(NetworkPathRule.NatGatewaysField, change.FieldPath);
        Assert.Equal("nat-a (us-east-1a), nat-b (us-east-1b)", change.CurrentValue);
        Assert.Equal("(none)", change.ProposedValue);
        Assert.Equal(RecommendationConfidence.Low, r.Confidence);
        Assert.Equal(2 * NetworkPrices.NatMonthlyUsd(50), r.Savings.MonthlyUsd);
        Assert.Contains(r.Assumptions, a => a.Contains("internet access", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_EcsEndpointsIncompleteAtLowVolume_NeverProposesRemovingTheNat()
    {
        // Only ecs and ecs-agent: without ecs-telemetry ECS traffic still needs the NAT, the only path.
        var endpoints = new[] { Interface("ecs", Zones3), Interface("ecs-agent", Zones3), S3Gateway };
        var input = With(Vpc([Nat("us-east-1a", 10), Nat("us-east-1b", 10), Nat("us-east-1c", 10)], endpoints),
            new NetworkFact(Account, Region, "ce", "vpc-1", NetworkPathKind.NatSameAz, ["ecs-telemetry", "ecr.api", "ecr.dkr", "logs"]));

        Assert.DoesNotContain(new NetworkPathRule().Evaluate(input), r => r.Changes.Any(c => c.FieldPath == NetworkPathRule.NatGatewaysField));
    }

    [Fact]
    public void Evaluate_CeWithNoPath_FlaggedCriticalWithZeroSavingsAndTheFixOptions()
    {
        string[] zones = ["us-east-1a", "us-east-1b"];
        var vpc = Vpc([], [Interface("ecr.api", zones), Interface("ecr.dkr", zones)], zones) with { ComputeEnvironments = ["lab-isolated"] };
        var stuck = Enumerable.Range(0, 3).Select(i => new StuckJobFact(Account, Region, "lab", $"job-{i}", "lab-notebook", 2, 4096, 0, NowMs)).ToList();
        var input = Input([Ce("lab-isolated")], [Queue("lab", "lab-isolated")], [], stuck: stuck) with
        {
            Vpcs = [vpc],
            Network = [new NetworkFact(Account, Region, "lab-isolated", "vpc-1", NetworkPathKind.NoPath, ["ecs", "ecs-agent", "ecs-telemetry", "logs", "s3"])],
        };

        var r = Single(input);

        Assert.Equal(RecommendationSeverity.Critical, r.Severity);
        Assert.Equal(SavingsEstimate.None, r.Savings);
        Assert.Equal(RecommendationTargetKind.ComputeEnvironment, r.Target.Kind);
        Assert.Equal("lab-isolated", r.Target.Name);
        Assert.Contains("RUNNABLE", r.Title, StringComparison.Ordinal);
        Assert.Contains("lab stay RUNNABLE (3 RUNNABLE now)", r.Summary, StringComparison.Ordinal);
        // 4 interface endpoints × 2 AZ × $7.30 = $58.40 beats 2 NAT gateways ($65.70): the endpoint set is proposed.
        var change = Assert.Single(r.Changes);
        Assert.Equal(NetworkPathRule.EndpointsField, change.FieldPath);
        Assert.Equal("ecr.api, ecr.dkr", change.CurrentValue);
        Assert.Equal("ecr.api, ecr.dkr, ecs, ecs-agent, ecs-telemetry, logs, s3", change.ProposedValue);
        var options = Assert.Single(r.Evidence, e => e.Title == "Fix options");
        Assert.Equal(["$58.40", "$65.70"], options.Rows.Select(row => row[2]));
    }

    [Fact]
    public void ToSettings_NetworkSection_ReachesTheRule()
    {
        var options = new RecommendationOptions { Network = { ImageSizeGb = 3, S3ShareOfNatBytes = 0.7 } };

        var settings = options.ToSettings();

        Assert.Equal(new NetworkAssumptions(3, 0.7, 0.2, "t3.small"), settings.Network);
        Assert.False(new ValidateRecommendationOptions().Validate(null, new RecommendationOptions { Network = { S3ShareOfNatBytes = 0.9, InterfaceServiceShareOfNatBytes = 0.2 } }).Succeeded);
    }

    [Fact]
    public async Task LoadAsync_SandboxNetworkHarvest_FlagsTheIsolatedCeAndAdvisesTheS3GatewayForTheDataVpc()
    {
        await using var sandbox = await PlacementSandbox.StartAsync();
        using var http = new HttpClient();
        await sandbox.HarvestBatchAsync();
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var credentials = AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey);
        await new NetworkHarvester(sandbox.Database.Factory, _ => sandbox.NewEc2(),
            target => new CloudWatchApiClient(http, target, sandbox.Server.BaseAddress, credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System)),
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), sandbox.Clock, NullLogger<NetworkHarvester>.Instance)
            .HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var loader = new RecommendationInputLoader(sandbox.Database.Factory, new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, sandbox.Clock), sandbox.Clock);

        var input = await loader.LoadAsync(new RecommendationSettings());
        var recommendations = new NetworkPathRule().Evaluate(input).ToList();

        var dataVpc = Assert.Single(input.Vpcs, v => v.ComputeEnvironments.Contains("spot-bid60"));
        Assert.Equal(["spot-bid60", "spot-optimal"], dataVpc.ComputeEnvironments);
        Assert.Equal(3, dataVpc.AvailabilityZones.Count);
        Assert.True(Assert.Single(dataVpc.NatGateways).MonthlyGb > 0);
        Assert.True(dataVpc.InstanceLaunchesPerMonth > 0);
        var lab = Assert.Single(recommendations, r => r.Target.Name == "lab-isolated");
        Assert.Equal(RecommendationSeverity.Critical, lab.Severity);
        Assert.Contains("ecs-agent", Assert.Single(lab.Changes).ProposedValue, StringComparison.Ordinal);
        var data = Assert.Single(recommendations, r => r.Target.Kind == RecommendationTargetKind.Vpc && r.Target.Name == dataVpc.VpcId);
        Assert.Contains("s3 (Gateway)", data.Changes.Single(c => c.FieldPath == NetworkPathRule.EndpointsField).ProposedValue, StringComparison.Ordinal);
        Assert.True(data.Savings.MonthlyUsd > 0);
        Assert.Equal(RecommendationConfidence.Medium, data.Confidence);
        // The ml VPC (every endpoint, no NAT) and the lab VPC (no path: the CE flag carries the fix) get no VPC advice.
        var mlVpc = input.Vpcs.Single(v => v.ComputeEnvironments.Contains("gpu-od")).VpcId;
        var labVpc = input.Vpcs.Single(v => v.ComputeEnvironments.Contains("lab-isolated")).VpcId;
        Assert.DoesNotContain(recommendations, r => r.Target.Name == mlVpc || r.Target.Name == labVpc);
    }
}
