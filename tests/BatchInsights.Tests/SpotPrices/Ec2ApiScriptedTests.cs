using BatchInsights.Core.Aws;
using BatchInsights.Tests.Aws;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.SpotPrices;

/// <summary>Ec2Api against scripted EC2 Query/XML answers: paging, throttling, errors.</summary>
public sealed class Ec2ApiScriptedTests
{
    private static readonly SpotPriceQuery Window = new(
        ["m5.large"], SpotProducts.Linux, null, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task DescribeSpotPriceHistoryAsync_TwoPages_FollowsNextTokenAndReturnsBoth()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(
            Xml(SpotPage(nextToken: "page-2", ("us-east-1a", "0.034500", "2026-11-01T10:00:00.000Z"))),
            Xml(SpotPage(nextToken: null, ("us-east-1b", "0.036100", "2026-11-01T11:30:00.000Z"))));
        using var api = Ec2Clients.Create(server.Endpoint);

        var prices = await api.DescribeSpotPriceHistoryAsync(Window, CancellationToken.None);

        Assert.Equal(
            [
                new SpotPriceSnapshot("us-east-1a", "m5.large", "Linux/UNIX", 0.0345m, new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()),
                new SpotPriceSnapshot("us-east-1b", "m5.large", "Linux/UNIX", 0.0361m, new DateTimeOffset(2026, 11, 1, 11, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()),
            ],
            prices);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Contains("Action=DescribeSpotPriceHistory", r.Body, StringComparison.Ordinal));
        Assert.All(requests, r => Assert.Contains("MaxResults=1000", r.Body, StringComparison.Ordinal));
        Assert.DoesNotContain("NextToken", requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("NextToken=page-2", requests[1].Body, StringComparison.Ordinal);
        Assert.Contains("StartTime=2026-11-01T00%3A00%3A00", requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("ProductDescription.2=Linux%2FUNIX%20%28Amazon%20VPC%29", requests[0].Body, StringComparison.Ordinal);
        Assert.Equal(2, api.Stats.Calls);
    }

    [Fact]
    public async Task DescribeSpotPriceHistoryAsync_ThrottledOnce_RetriesAndCountsTheThrottle()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(
            XmlError(503, "RequestLimitExceeded", "Request limit exceeded."),
            Xml(SpotPage(nextToken: null, ("us-east-1a", "0.034500", "2026-11-01T10:00:00.000Z"))));
        // A frozen clock: the bucket never refills, so what is left shows how many tokens were taken.
        var budget = new TokenBucket(10, 10, new FakeTimeProvider());
        using var api = Ec2Clients.Create(server.Endpoint, budget: budget);

        var prices = await api.DescribeSpotPriceHistoryAsync(Window, CancellationToken.None);

        Assert.Single(prices);
        Assert.Equal(2, api.Stats.Calls);
        Assert.Equal(1, api.Stats.Throttled);
        Assert.Equal(1, api.Stats.Retries);
        // Both attempts, the SDK's retry included, took a token from our budget.
        Assert.Equal(8, budget.Available);
    }

    [Fact]
    public async Task DescribeSpotPriceHistoryAsync_AccessDenied_ThrowsAwsApiExceptionNamingThePermission()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(XmlError(403, "UnauthorizedOperation", "You are not authorized to perform this operation."));
        using var api = Ec2Clients.Create(server.Endpoint);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => api.DescribeSpotPriceHistoryAsync(Window, CancellationToken.None));

        Assert.Equal("UnauthorizedOperation", ex.ErrorCode);
        Assert.Equal(403, ex.HttpStatus);
        Assert.Equal("DescribeSpotPriceHistory", ex.Operation);
        Assert.Contains("ec2:DescribeSpotPriceHistory", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task DescribeInstanceTypesAsync_TwoPages_FollowsNextToken()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(Xml(TypesPage("page-2", "m5.large", 2, 8192)), Xml(TypesPage(null, "c5.xlarge", 4, 8192)));
        using var api = Ec2Clients.Create(server.Endpoint);

        var types = await api.DescribeInstanceTypesAsync(CancellationToken.None);

        Assert.Equal(["m5.large", "c5.xlarge"], types.Select(t => t.Name));
        Assert.Equal(4, types[1].Vcpus);
        Assert.Contains("MaxResults=100", server.Requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("NextToken=page-2", server.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferingsAsync_TwoPages_AsksByAzAndFollowsNextToken()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(
            Xml(OfferingsPage("page-2", ("m5.large", "us-east-1a"), ("m5.large", "us-east-1b"))),
            Xml(OfferingsPage(null, ("c5.xlarge", "us-east-1a"))));
        using var api = Ec2Clients.Create(server.Endpoint);

        var offerings = await api.DescribeInstanceTypeOfferingsAsync(CancellationToken.None);

        Assert.Equal(
            [new InstanceTypeOffering("m5.large", "us-east-1a"), new InstanceTypeOffering("m5.large", "us-east-1b"), new InstanceTypeOffering("c5.xlarge", "us-east-1a")],
            offerings);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r =>
        {
            Assert.Contains("Action=DescribeInstanceTypeOfferings", r.Body, StringComparison.Ordinal);
            Assert.Contains("LocationType=availability-zone", r.Body, StringComparison.Ordinal);
            Assert.Contains("MaxResults=1000", r.Body, StringComparison.Ordinal);
        });
        Assert.DoesNotContain("NextToken", requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("NextToken=page-2", requests[1].Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<location>us-east-1a</location>", "unexpected response: an instance type offering has no instanceType")]
    [InlineData("<instanceType>m5.large</instanceType>", "unexpected response: the offering of m5.large has no location")]
    [InlineData("<instanceType>m5.large</instanceType><locationType>region</locationType><location>us-east-1</location>",
        "unexpected response: the offering of m5.large in 'us-east-1' has locationType 'region', not availability-zone")]
    public async Task DescribeInstanceTypeOfferingsAsync_MalformedRow_ThrowsUnexpectedResponse(string item, string message)
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(Xml($"""
            <?xml version="1.0" encoding="UTF-8"?>
            <DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>req-4</requestId>
              <instanceTypeOfferingSet><item>{item}</item></instanceTypeOfferingSet>
            </DescribeInstanceTypeOfferingsResponse>
            """));
        using var api = Ec2Clients.Create(server.Endpoint);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => api.DescribeInstanceTypeOfferingsAsync(CancellationToken.None));

        Assert.Equal(("EC2", "DescribeInstanceTypeOfferings"), (ex.Service, ex.Operation));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static ScriptedResponse Xml(string body) =>
        new(200, body, new Dictionary<string, string> { ["Content-Type"] = "text/xml;charset=UTF-8" });

    private static ScriptedResponse XmlError(int status, string code, string message) =>
        new(status, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>req-{code}</RequestID></Response>",
            new Dictionary<string, string> { ["Content-Type"] = "text/xml;charset=UTF-8" });

    private static string SpotPage(string? nextToken, params (string Az, string Price, string Timestamp)[] items) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>req-1</requestId>
          <spotPriceHistorySet>
            {string.Concat(items.Select(i => $"<item><instanceType>m5.large</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>{i.Price}</spotPrice><timestamp>{i.Timestamp}</timestamp><availabilityZone>{i.Az}</availabilityZone></item>"))}
          </spotPriceHistorySet>
          {(nextToken is null ? "" : $"<nextToken>{nextToken}</nextToken>")}
        </DescribeSpotPriceHistoryResponse>
        """;

    private static string OfferingsPage(string? nextToken, params (string Type, string Az)[] items) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>req-3</requestId>
          <instanceTypeOfferingSet>
            {string.Concat(items.Select(i => $"<item><instanceType>{i.Type}</instanceType><locationType>availability-zone</locationType><location>{i.Az}</location></item>"))}
          </instanceTypeOfferingSet>
          {(nextToken is null ? "" : $"<nextToken>{nextToken}</nextToken>")}
        </DescribeInstanceTypeOfferingsResponse>
        """;

    private static string TypesPage(string? nextToken, string name, int vcpus, int memory) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>req-2</requestId>
          <instanceTypeSet>
            <item>
              <instanceType>{name}</instanceType>
              <currentGeneration>true</currentGeneration>
              <supportedUsageClasses><item>on-demand</item><item>spot</item></supportedUsageClasses>
              <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo>
              <vCpuInfo><defaultVCpus>{vcpus}</defaultVCpus></vCpuInfo>
              <memoryInfo><sizeInMiB>{memory}</sizeInMiB></memoryInfo>
              <burstablePerformanceSupported>false</burstablePerformanceSupported>
              <bareMetal>false</bareMetal>
            </item>
          </instanceTypeSet>
          {(nextToken is null ? "" : $"<nextToken>{nextToken}</nextToken>")}
        </DescribeInstanceTypesResponse>
        """;

}
