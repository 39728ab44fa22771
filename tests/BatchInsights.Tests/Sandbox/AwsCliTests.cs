using System.Diagnostics;
using System.Text.Json;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The real AWS CLI (botocore parses and validates every response) against the sandbox.</summary>
public sealed class AwsCliTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private Task<JsonElement> AwsAsync(params string[] args) => AwsCli.RunJsonAsync(fixture.Server.BaseAddress, args);

    [Fact]
    public async Task AwsCli_DescribeJobQueues_ListsTheScenarioQueues()
    {
        var result = await AwsAsync("batch", "describe-job-queues");

        var names = result.GetProperty("jobQueues").EnumerateArray().Select(q => q.GetProperty("jobQueueName").GetString()).ToList();
        Assert.Equal(["critical", "batch-default", "batch-spot-optimal", "ml-gpu", "fargate-light", "lab"], names);
    }

    [Fact]
    public async Task AwsCli_ListThenDescribeSucceededJobs_ReturnsMatchingDetails()
    {
        // The CLI follows nextToken itself; --max-items bounds the run.
        var listed = await AwsAsync("batch", "list-jobs", "--job-queue", "batch-default", "--job-status", "SUCCEEDED", "--max-items", "1500", "--page-size", "1000");
        var summaries = listed.GetProperty("jobSummaryList").EnumerateArray().ToList();
        var ids = summaries.Take(5).Select(s => s.GetProperty("jobId").GetString()!).ToArray();

        var described = await AwsAsync(["batch", "describe-jobs", "--jobs", .. ids]);
        var jobs = described.GetProperty("jobs").EnumerateArray().ToList();

        Assert.Equal(1500, summaries.Count);
        Assert.Equal(1500, summaries.Select(s => s.GetProperty("jobId").GetString()).Distinct().Count());
        Assert.All(summaries, s => Assert.Equal("SUCCEEDED", s.GetProperty("status").GetString()));
        Assert.Equal(ids, jobs.Select(j => j.GetProperty("jobId").GetString()));
        Assert.All(jobs, j =>
        {
            Assert.Equal("SUCCEEDED", j.GetProperty("status").GetString());
            Assert.EndsWith(":job-queue/batch-default", j.GetProperty("jobQueue").GetString(), StringComparison.Ordinal);
            Assert.True(j.GetProperty("createdAt").GetInt64() <= j.GetProperty("stoppedAt").GetInt64());
        });
    }

    [Fact]
    public async Task AwsCli_DescribeComputeEnvironments_ShowsClusterAndSpotSettings()
    {
        var result = await AwsAsync("batch", "describe-compute-environments");

        var ces = result.GetProperty("computeEnvironments").EnumerateArray().ToDictionary(c => c.GetProperty("computeEnvironmentName").GetString()!);
        Assert.Equal(6, ces.Count);
        Assert.StartsWith("arn:aws:ecs:us-east-1:123456789012:cluster/AWSBatch-od-general-", ces["od-general"].GetProperty("ecsClusterArn").GetString(), StringComparison.Ordinal);
        Assert.Equal(60, ces["spot-bid60"].GetProperty("computeResources").GetProperty("bidPercentage").GetInt32());
        Assert.Equal("SPOT_PRICE_CAPACITY_OPTIMIZED", ces["spot-optimal"].GetProperty("computeResources").GetProperty("allocationStrategy").GetString());
        Assert.Equal("FARGATE", ces["fargate"].GetProperty("computeResources").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AwsCli_DescribeInstanceTypes_M5Large_ParsesSpecs()
    {
        var result = await AwsAsync("ec2", "describe-instance-types", "--instance-types", "m5.large");

        var m5 = Assert.Single(result.GetProperty("InstanceTypes").EnumerateArray().ToList());
        Assert.Equal("m5.large", m5.GetProperty("InstanceType").GetString());
        Assert.Equal(2, m5.GetProperty("VCpuInfo").GetProperty("DefaultVCpus").GetInt32());
        Assert.Equal(8192, m5.GetProperty("MemoryInfo").GetProperty("SizeInMiB").GetInt64());
        Assert.Equal("x86_64", m5.GetProperty("ProcessorInfo").GetProperty("SupportedArchitectures")[0].GetString());
    }

    [Fact]
    public async Task AwsCli_DescribeInstanceTypeOfferings_ByAz_UsEast1eOffersFarFewerTypesThanUsEast1a()
    {
        // --page-size 20: the CLI follows three nextTokens for us-east-1e's 58 rows; us-east-1a's 1228 take two default pages.
        var e = await AwsAsync("ec2", "describe-instance-type-offerings", "--location-type", "availability-zone",
            "--filters", "Name=location,Values=us-east-1e", "--page-size", "20");
        var a = await AwsAsync("ec2", "describe-instance-type-offerings", "--location-type", "availability-zone",
            "--filters", "Name=location,Values=us-east-1a");

        var inE = e.GetProperty("InstanceTypeOfferings").EnumerateArray().ToList();
        var inA = a.GetProperty("InstanceTypeOfferings").EnumerateArray().ToList();
        Assert.Equal(58, inE.Count);
        Assert.Equal(1228, inA.Count);
        Assert.All(inE.Concat(inA), o => Assert.Equal("availability-zone", o.GetProperty("LocationType").GetString()));
        Assert.All(inE, o => Assert.Equal("us-east-1e", o.GetProperty("Location").GetString()));
        Assert.All(inA, o => Assert.Equal("us-east-1a", o.GetProperty("Location").GetString()));
        Assert.Equal(58, inE.Select(o => o.GetProperty("InstanceType").GetString()).Distinct().Count());
        Assert.Equal(1228, inA.Select(o => o.GetProperty("InstanceType").GetString()).Distinct().Count());
        Assert.Contains(inA, o => o.GetProperty("InstanceType").GetString() == "m5.large");
        Assert.False(e.TryGetProperty("NextToken", out _));
    }

    [Fact]
    public async Task AwsCli_DescribeInstanceTypeOfferings_MaxItems_StopsAndHandsBackATokenThatResumes()
    {
        string[] query = ["ec2", "describe-instance-type-offerings", "--location-type", "availability-zone",
            "--filters", "Name=location,Values=us-east-1e", "--page-size", "20"];

        var first = await AwsAsync([.. query, "--max-items", "30"]);
        var rest = await AwsAsync([.. query, "--starting-token", first.GetProperty("NextToken").GetString()!]);

        var names = first.GetProperty("InstanceTypeOfferings").EnumerateArray()
            .Concat(rest.GetProperty("InstanceTypeOfferings").EnumerateArray())
            .Select(o => o.GetProperty("InstanceType").GetString())
            .ToList();
        Assert.Equal(30, first.GetProperty("InstanceTypeOfferings").GetArrayLength());
        Assert.Equal(58, names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(58, names.Distinct().Count());
    }

    [Fact]
    public async Task AwsCli_DescribeSpotPriceHistory_StartTime_ReturnsNewestFirstFromTheStartPrice()
    {
        var start = SandboxFixture.Start.AddDays(-1);

        var result = await AwsAsync("ec2", "describe-spot-price-history", "--instance-types", "m5.large",
            "--product-descriptions", "Linux/UNIX", "--start-time", start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));

        var items = result.GetProperty("SpotPriceHistory").EnumerateArray().ToList();
        var times = items.Select(i => DateTimeOffset.Parse(i.GetProperty("Timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(items.Count >= 6, $"only {items.Count} items");
        Assert.Equal(times.OrderDescending(), times);
        Assert.All(items, i =>
        {
            Assert.Equal("m5.large", i.GetProperty("InstanceType").GetString());
            Assert.StartsWith("us-east-1", i.GetProperty("AvailabilityZone").GetString(), StringComparison.Ordinal);
            Assert.InRange(double.Parse(i.GetProperty("SpotPrice").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 0.005, 0.096);
        });
        // Every zone's price in effect at the start is there: one item per zone at or before the start time.
        var zones = items.Select(i => i.GetProperty("AvailabilityZone").GetString()).Distinct().Count();
        Assert.Equal(zones, times.Count(t => t <= start));
    }
}
