using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using BatchInsights.Sandbox;
using BatchInsights.Sandbox.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The scenario's "faults" reach clients as the errors AWS itself sends.</summary>
public sealed class FaultInjectionTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbox-faults-").FullName;
    private SandboxServer _server = null!;

    public async Task InitializeAsync()
    {
        // The default scenario with its (empty) faults section filled in.
        using var stream = typeof(SandboxServer).Assembly.GetManifestResourceStream(ScenarioLoader.DefaultResourceName)!;
        var text = await new StreamReader(stream).ReadToEndAsync();
        var faults = """
            "faults": {
                "DescribeSpotPriceHistory": { "accessDenied": true },
                "DescribeInstanceTypes": { "throttleShare": 1 },
                "ListJobs": { "errorShare": 1 },
                "DescribeJobQueues": { "accessDenied": true }
              }
            """;
        Assert.Contains("\"faults\": {}", text, StringComparison.Ordinal);
        var path = Path.Combine(_dir, "faults.json");
        await File.WriteAllTextAsync(path, text.Replace("\"faults\": {}", faults, StringComparison.Ordinal));
        _server = await SandboxServer.StartAsync(new SandboxSettings
        {
            ScenarioPath = path,
            TargetJobCount = 1000,
            TimeProvider = new FakeTimeProvider(SandboxFixture.Start),
        }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_AccessDenied_SdkSeesUnauthorizedOperationNamingTheAction()
    {
        using var ec2 = Ec2QueryTests.Client(_server.BaseAddress);

        var ex = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest()));

        Assert.Equal("UnauthorizedOperation", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Contains("arn:aws:iam::123456789012:user/sandbox is not authorized to perform: ec2:DescribeSpotPriceHistory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeInstanceTypes_ThrottleShareOne_SdkSeesRequestLimitExceeded()
    {
        using var ec2 = Ec2QueryTests.Client(_server.BaseAddress);

        var ex = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstanceTypesAsync(new DescribeInstanceTypesRequest()));

        Assert.Equal("RequestLimitExceeded", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
    }

    [Fact]
    public async Task OperationWithoutFaults_StillAnswers()
    {
        using var ec2 = Ec2QueryTests.Client(_server.BaseAddress);

        var zones = await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest());

        Assert.Equal(6, zones.AvailabilityZones.Count);
    }

    [Fact]
    public async Task BatchOperations_Faults_AnswerInBatchShape()
    {
        using var client = new SandboxClient(_server.BaseAddress);

        using var listJobs = await client.PostAsync("listjobs", new { jobQueue = "batch-default" });
        using var queues = await client.PostAsync("describejobqueues", new { });
        using var definitions = await client.PostAsync("describejobdefinitions", new { });

        Assert.Equal(HttpStatusCode.InternalServerError, listJobs.StatusCode);
        Assert.Equal("ServerException", listJobs.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal(HttpStatusCode.Forbidden, queues.StatusCode);
        Assert.Equal("AccessDeniedException", queues.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Contains("batch:DescribeJobQueues", await queues.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, definitions.StatusCode);
    }
}
