using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using BatchInsights.Sandbox.Simulation;

namespace BatchInsights.Tests.Sandbox;

/// <summary>
/// The sandbox as a user starts it on its own (<c>dotnet BatchInsights.Sandbox.dll --port N</c>), and the AWS CLI run
/// against it for every operation the sandbox serves: what `aws` (botocore's parsers, not ours) makes of each answer.
/// </summary>
public sealed class StandaloneSandboxCliTests : IAsyncLifetime
{
    private Process _process = null!;
    private Uri _endpoint = null!;

    public async Task InitializeAsync()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "BatchInsights.Sandbox.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--jobs", "30000" }) start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the sandbox");
        var firstLine = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(firstLine?.Contains("listening on", StringComparison.Ordinal) == true, $"sandbox did not start: {firstLine} {await ReadErrorsAsync()}");
        _endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    public async Task DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [Fact]
    public async Task AwsCli_EveryOperationTheSandboxServes_ParsesTheStandaloneSandboxsAnswer()
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        async Task<JsonElement> Run(string operation, params string[] args)
        {
            covered.Add(operation);
            return await AwsCli.RunJsonAsync(_endpoint, args);
        }

        // Batch: the account's CEs, queues, definitions and jobs, down to the container instance an attempt ran on.
        var ces = (await Run("DescribeComputeEnvironments", "batch", "describe-compute-environments")).GetProperty("computeEnvironments");
        var ec2Ce = ces.EnumerateArray().First(c => c.GetProperty("computeResources").GetProperty("type").GetString() is "EC2" or "SPOT");
        var cluster = ec2Ce.GetProperty("ecsClusterArn").GetString()!;
        var subnets = ec2Ce.GetProperty("computeResources").GetProperty("subnets").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var queues = (await Run("DescribeJobQueues", "batch", "describe-job-queues")).GetProperty("jobQueues");
        Assert.True(queues.GetArrayLength() > 0);
        Assert.True((await Run("DescribeJobDefinitions", "batch", "describe-job-definitions")).GetProperty("jobDefinitions").GetArrayLength() > 0);
        var queue = queues.EnumerateArray().First(q => q.GetProperty("computeEnvironmentOrder")[0].GetProperty("computeEnvironment").GetString() == ec2Ce.GetProperty("computeEnvironmentArn").GetString());
        var listed = (await Run("ListJobs", "batch", "list-jobs", "--job-queue", queue.GetProperty("jobQueueName").GetString()!, "--job-status", "SUCCEEDED", "--max-items", "20"))
            .GetProperty("jobSummaryList").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()!).ToArray();
        Assert.NotEmpty(listed);
        var jobs = (await Run("DescribeJobs", ["batch", "describe-jobs", "--jobs", .. listed])).GetProperty("jobs");
        var containerInstance = jobs.EnumerateArray()
            .SelectMany(j => j.TryGetProperty("attempts", out var a) ? a.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(a => a.GetProperty("container").TryGetProperty("containerInstanceArn", out var arn) ? arn.GetString() : null)
            .First(arn => arn is not null)!;
        var updated = await Run("UpdateComputeEnvironment", "batch", "update-compute-environment", "--compute-environment", ec2Ce.GetProperty("computeEnvironmentName").GetString()!, "--state", "ENABLED");
        Assert.Equal(ec2Ce.GetProperty("computeEnvironmentArn").GetString(), updated.GetProperty("computeEnvironmentArn").GetString());

        // EC2: catalog, prices, zones, the CE's instances and its network.
        Assert.Equal("m5.large", (await Run("DescribeInstanceTypes", "ec2", "describe-instance-types", "--instance-types", "m5.large")).GetProperty("InstanceTypes")[0].GetProperty("InstanceType").GetString());
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        Assert.True((await Run("DescribeSpotPriceHistory", "ec2", "describe-spot-price-history", "--instance-types", "m5.large", "--start-time", from, "--max-items", "50"))
            .GetProperty("SpotPriceHistory").GetArrayLength() > 0);
        Assert.True((await Run("DescribeAvailabilityZones", "ec2", "describe-availability-zones")).GetProperty("AvailabilityZones").GetArrayLength() > 0);
        Assert.Contains((await Run("DescribeInstanceTypeOfferings", "ec2", "describe-instance-type-offerings", "--location-type", "availability-zone",
                "--filters", "Name=instance-type,Values=m5.large")).GetProperty("InstanceTypeOfferings").EnumerateArray(),
            o => o.GetProperty("Location").GetString() == "us-east-1a");
        var reservations = (await Run("DescribeInstances", "ec2", "describe-instances", "--filters", "Name=tag-key,Values=AWSBatchServiceTag")).GetProperty("Reservations");
        Assert.True(reservations.GetArrayLength() > 0, "the CEs run instances now");
        var subnetRows = (await Run("DescribeSubnets", ["ec2", "describe-subnets", "--subnet-ids", .. subnets])).GetProperty("Subnets");
        Assert.Equal(subnets.Length, subnetRows.GetArrayLength());
        var vpc = subnetRows[0].GetProperty("VpcId").GetString()!;
        Assert.True((await Run("DescribeRouteTables", "ec2", "describe-route-tables", "--filters", $"Name=vpc-id,Values={vpc}")).GetProperty("RouteTables").GetArrayLength() > 0);
        var nats = (await Run("DescribeNatGateways", "ec2", "describe-nat-gateways")).GetProperty("NatGateways");
        Assert.True(nats.GetArrayLength() > 0);
        Assert.True((await Run("DescribeVpcEndpoints", "ec2", "describe-vpc-endpoints")).GetProperty("VpcEndpoints").GetArrayLength() > 0);

        // ECS: the container instance the attempt named is an EC2 instance.
        var described = await Run("DescribeContainerInstances", "ecs", "describe-container-instances", "--cluster", cluster, "--container-instances", containerInstance);
        Assert.Equal(1, described.GetProperty("containerInstances").GetArrayLength() + described.GetProperty("failures").GetArrayLength());

        // CloudWatch: a NAT gateway's bytes.
        var nat = nats[0].GetProperty("NatGatewayId").GetString()!;
        var queries = $$$"""[{"Id":"out","MetricStat":{"Metric":{"Namespace":"AWS/NATGateway","MetricName":"BytesOutToDestination","Dimensions":[{"Name":"NatGatewayId","Value":"{{{nat}}}"}]},"Period":86400,"Stat":"Sum"}}]""";
        var metrics = await Run("GetMetricData", "cloudwatch", "get-metric-data", "--metric-data-queries", queries,
            "--start-time", DateTimeOffset.UtcNow.AddDays(-7).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--end-time", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Assert.True(metrics.GetProperty("MetricDataResults")[0].GetProperty("Values").GetArrayLength() > 0);

        // Pricing: On-Demand price documents.
        var products = await Run("GetProducts", "pricing", "get-products", "--service-code", "AmazonEC2",
            "--filters", "Type=TERM_MATCH,Field=instanceType,Value=m5.large", "Type=TERM_MATCH,Field=regionCode,Value=us-east-1", "--max-items", "5");
        Assert.True(products.GetProperty("PriceList").GetArrayLength() > 0);

        // Every operation the sandbox lists was run above: a new one must be added here.
        Assert.Empty(SandboxOperations.All.Except(covered));

        // Served outside that list: STS.
        Assert.Equal("123456789012", (await AwsCli.RunJsonAsync(_endpoint, "sts", "get-caller-identity")).GetProperty("Account").GetString());
        var assumed = await AwsCli.RunJsonAsync(_endpoint, "sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/BatchInsightsReadOnly", "--role-session-name", "cli");
        Assert.StartsWith("ASIA", assumed.GetProperty("Credentials").GetProperty("AccessKeyId").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> ReadErrorsAsync() =>
        _process.HasExited ? await _process.StandardError.ReadToEndAsync() : "";
}
