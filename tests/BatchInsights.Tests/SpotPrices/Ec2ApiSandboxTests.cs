using BatchInsights.Core.Aws;
using BatchInsights.Sandbox.Simulation;
using BatchInsights.Tests.Pricing;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.SpotPrices;

/// <summary>Ec2Api (AWSSDK.EC2 with our credentials, budget and counters) against the sandbox's EC2 endpoint, faults included.</summary>
public sealed class Ec2ApiSandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task DescribeInstanceTypeOfferingsAsync_Sandbox_ReturnsEveryTypeAzRowOfTheRegionAcrossPages()
    {
        using var api = Ec2Clients.Create(fixture.Server.BaseAddress);

        var offerings = await api.DescribeInstanceTypeOfferingsAsync(CancellationToken.None);

        var expected = Ec2Data.Default.Offerings["us-east-1"]
            .SelectMany(z => z.Value.Select(t => new InstanceTypeOffering(t, z.Key)))
            .ToHashSet();
        Assert.Equal(5678, expected.Count);
        Assert.Equal(expected.Count, offerings.Count);
        Assert.Equal(expected, offerings.ToHashSet());
        Assert.Equal(58, offerings.Count(o => o.AvailabilityZone == "us-east-1e"));
        Assert.Equal(1228, offerings.Count(o => o.AvailabilityZone == "us-east-1a"));
        // 1000 rows a page: six pages, no retries.
        Assert.Equal(6, api.Stats.Calls);
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferingsAsync_AccessDenied_ThrowsNamingThePermission()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "DescribeInstanceTypeOfferings": { "accessDenied": true } }""");
        using var api = Ec2Clients.Create(sandbox.Server.BaseAddress);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => api.DescribeInstanceTypeOfferingsAsync(CancellationToken.None));

        Assert.Equal(("EC2", "DescribeInstanceTypeOfferings"), (ex.Service, ex.Operation));
        Assert.Equal(("UnauthorizedOperation", 403), (ex.ErrorCode, ex.HttpStatus));
        Assert.Contains("(the credentials need ec2:DescribeInstanceTypeOfferings)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferingsAsync_Truncated_ThrowsUnexpectedResponse()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "DescribeInstanceTypeOfferings": { "malformedShare": 1 } }""");
        using var api = Ec2Clients.Create(sandbox.Server.BaseAddress, maxRetries: 1);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => api.DescribeInstanceTypeOfferingsAsync(CancellationToken.None));

        Assert.Equal(("EC2", "DescribeInstanceTypeOfferings"), (ex.Service, ex.Operation));
        Assert.Contains("unexpected response: not valid XML", ex.Message, StringComparison.Ordinal);
    }
}
