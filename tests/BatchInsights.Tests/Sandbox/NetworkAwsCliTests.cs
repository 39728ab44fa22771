using System.Text.Json;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The AWS CLI (botocore's own EC2 and CloudWatch protocols) against the sandbox's VPC layout.</summary>
public sealed class NetworkAwsCliTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task DescribeRouteTables_FilterBySubnetOfMainTable_ReturnsNothingAndTheVpcMainTableHasTheNat()
    {
        // The data VPC's private subnets have no explicit association: AWS answers nothing for association.subnet-id,
        // and the VPC's main table (association.main=true) holds their default route.
        var subnets = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "ec2", "describe-subnets", "--filters", "Name=tag:Name,Values=data-private-b");
        var subnet = subnets.GetProperty("Subnets")[0];
        var subnetId = subnet.GetProperty("SubnetId").GetString()!;
        var vpcId = subnet.GetProperty("VpcId").GetString()!;

        var explicitTables = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "ec2", "describe-route-tables", "--filters", $"Name=association.subnet-id,Values={subnetId}");
        var main = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "ec2", "describe-route-tables", "--filters", $"Name=vpc-id,Values={vpcId}", "Name=association.main,Values=true");

        Assert.Equal("us-east-1b", subnet.GetProperty("AvailabilityZone").GetString());
        Assert.Equal(0, explicitTables.GetProperty("RouteTables").GetArrayLength());
        var routes = main.GetProperty("RouteTables")[0].GetProperty("Routes").EnumerateArray().ToList();
        Assert.Contains(routes, r => r.TryGetProperty("NatGatewayId", out var n) && n.GetString()!.StartsWith("nat-", StringComparison.Ordinal)
            && r.GetProperty("DestinationCidrBlock").GetString() == "0.0.0.0/0");
    }

    [Fact]
    public async Task DescribeNatGatewaysAndVpcEndpoints_PagedByTheCli_ListEveryResource()
    {
        var nats = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "ec2", "describe-nat-gateways", "--page-size", "5");
        var endpoints = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "ec2", "describe-vpc-endpoints", "--page-size", "5");

        Assert.Equal(4, nats.GetProperty("NatGateways").GetArrayLength());
        var services = endpoints.GetProperty("VpcEndpoints").EnumerateArray().Select(e => e.GetProperty("ServiceName").GetString()).ToList();
        Assert.Equal(10, services.Count);
        Assert.Contains("com.amazonaws.us-east-1.ecs-agent", services);
    }

    [Fact]
    public async Task GetMetricData_Cli_DailySumsFollowTheWorkload()
    {
        var nats = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "ec2", "describe-nat-gateways", "--filter", "Name=tag:Name,Values=data-nat");
        var nat = nats.GetProperty("NatGateways")[0].GetProperty("NatGatewayId").GetString()!;
        var queries = JsonSerializer.Serialize(new[]
        {
            new { Id = "down", MetricStat = new { Metric = new { Namespace = "AWS/NATGateway", MetricName = "BytesInFromDestination", Dimensions = new[] { new { Name = "NatGatewayId", Value = nat } } }, Period = 86400, Stat = "Sum" } },
            new { Id = "up", MetricStat = new { Metric = new { Namespace = "AWS/NATGateway", MetricName = "BytesOutToDestination", Dimensions = new[] { new { Name = "NatGatewayId", Value = nat } } }, Period = 86400, Stat = "Sum" } },
        });

        var result = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "cloudwatch", "get-metric-data", "--metric-data-queries", queries,
            "--start-time", "2026-10-22T00:00:00Z", "--end-time", "2026-11-01T00:00:00Z", "--scan-by", "TimestampAscending");

        var series = result.GetProperty("MetricDataResults").EnumerateArray().ToDictionary(r => r.GetProperty("Id").GetString()!);
        var down = series["down"].GetProperty("Values").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var up = series["up"].GetProperty("Values").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(10, down.Count);
        Assert.True(down.Sum() > up.Sum());
        // CLI v1 prints JSON-protocol timestamps as sent (epoch seconds).
        Assert.Equal(new DateTimeOffset(2026, 10, 22, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.FromUnixTimeSeconds(series["down"].GetProperty("Timestamps")[0].GetInt64()));
    }

    [Fact]
    public async Task ListJobs_QueueWhoseCeHasNoPathToEcs_JobsStayRunnable()
    {
        var runnable = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "batch", "list-jobs", "--job-queue", "lab", "--job-status", "RUNNABLE");
        var succeeded = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "batch", "list-jobs", "--job-queue", "lab", "--job-status", "SUCCEEDED");
        var other = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "batch", "list-jobs", "--job-queue", "critical", "--job-status", "SUCCEEDED", "--max-items", "5");

        Assert.True(runnable.GetProperty("jobSummaryList").GetArrayLength() > 0);
        Assert.Equal(0, succeeded.GetProperty("jobSummaryList").GetArrayLength());
        Assert.Equal(5, other.GetProperty("jobSummaryList").GetArrayLength());
    }
}
