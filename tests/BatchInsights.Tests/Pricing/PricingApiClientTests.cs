using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Pricing;

/// <summary>Our Price List client against the sandbox's GetProducts over real HTTP, and against scripted bad answers.</summary>
public sealed class PricingApiClientTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_UsEast1_M5LargeCosts0096AndEveryPageIsCollected()
    {
        using var handler = new RecordingHandler();
        var client = PricingClients.Create(fixture.Server.BaseAddress, handler);

        var prices = await client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None);

        Assert.Equal(0.096m, prices["m5.large"]);
        Assert.Equal(0.192m, prices["m5.xlarge"]);
        // Bare metal is another product family ("Compute Instance (bare metal)"), which the filters leave out.
        Assert.DoesNotContain(prices.Keys, type => type.EndsWith(".metal", StringComparison.Ordinal));
        // More types than one page holds: the client followed NextToken to the end.
        Assert.True(handler.Sent.Count > 1, $"expected several pages, got {handler.Sent.Count}");
        Assert.True(prices.Count > PricingApiClient.PageSize * (handler.Sent.Count - 1), $"{prices.Count} prices from {handler.Sent.Count} pages");
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_AnyRegion_SendsGetProductsWithKarpentersFiltersForThatRegion()
    {
        using var handler = new RecordingHandler();
        var client = PricingClients.Create(fixture.Server.BaseAddress, handler);

        var prices = await client.GetLinuxOnDemandPricesAsync("eu-west-1", CancellationToken.None);

        // The sandbox prices eu-west-1 at its documented multiplier (1.115) over us-east-1.
        Assert.Equal(0.1070m, prices["m5.large"]);
        var (target, body, uri) = handler.Sent.First();
        Assert.Equal("AWSPriceListService.GetProducts", target);
        Assert.Equal("/", uri.AbsolutePath);
        using var request = JsonDocument.Parse(body);
        var root = request.RootElement;
        Assert.Equal("AmazonEC2", root.GetProperty("ServiceCode").GetString());
        Assert.Equal(100, root.GetProperty("MaxResults").GetInt32());
        Assert.False(root.TryGetProperty("NextToken", out _));
        var filters = root.GetProperty("Filters").EnumerateArray()
            .Select(f => (f.GetProperty("Type").GetString(), f.GetProperty("Field").GetString(), f.GetProperty("Value").GetString()))
            .ToHashSet();
        Assert.Equal(
            new HashSet<(string?, string?, string?)>
            {
                ("TERM_MATCH", "regionCode", "eu-west-1"),
                ("TERM_MATCH", "serviceCode", "AmazonEC2"),
                ("TERM_MATCH", "operatingSystem", "Linux"),
                ("TERM_MATCH", "preInstalledSw", "NA"),
                ("TERM_MATCH", "capacitystatus", "Used"),
                ("TERM_MATCH", "marketoption", "OnDemand"),
                ("TERM_MATCH", "tenancy", "Shared"),
                ("TERM_MATCH", "productFamily", "Compute Instance"),
            },
            filters);
        // The second page asks for the token the first page gave.
        using var second = JsonDocument.Parse(handler.Sent.Skip(1).First().Body);
        Assert.False(string.IsNullOrEmpty(second.RootElement.GetProperty("NextToken").GetString()));
    }

    [Fact]
    public void DefaultEndpoint_AnyTargetRegion_IsAPricingEndpointRegion()
    {
        var client = new PricingApiClient(
            new HttpClient(), endpoint: null, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy,
            new TokenBucket(1, 1, TimeProvider.System));

        Assert.Equal(new Uri("https://api.pricing.us-east-1.amazonaws.com"), client.Endpoint);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"product\":{\"attributes\":{}},\"terms\":{\"OnDemand\":{}}}")]
    [InlineData("{\"product\":{\"attributes\":{\"instanceType\":\"m5.large\"}},\"terms\":{\"OnDemand\":{\"X\":{\"priceDimensions\":{\"Y\":{\"pricePerUnit\":{\"USD\":\"cheap\"}}}}}}}")]
    public async Task GetLinuxOnDemandPricesAsync_MalformedPriceListItem_ThrowsAwsApiExceptionNamingGetProducts(string item)
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Ok(JsonSerializer.Serialize(new { FormatVersion = "aws_v1", PriceList = new[] { item } })));
        var client = PricingClients.Create(server.Endpoint);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal("GetProducts", ex.Operation);
        Assert.Contains("PriceList[0]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_Throttled_RetriesAndThenSucceeds()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Error(400, "ThrottlingException", "Rate exceeded"));
        server.Always(_ => ScriptedResponse.Ok("""{"FormatVersion":"aws_v1","PriceList":["{\"product\":{\"attributes\":{\"instanceType\":\"c5.large\"}},\"terms\":{\"OnDemand\":{\"A\":{\"priceDimensions\":{\"B\":{\"pricePerUnit\":{\"USD\":\"0.0850000000\"}}}}}}}"]}"""));
        var client = PricingClients.Create(server.Endpoint);

        var prices = await client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None);

        Assert.Equal(0.085m, prices["c5.large"]);
        Assert.Equal(1L, client.Stats.Throttled);
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_AccessDenied_ThrowsWithTheCodeAndNoRetry()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Error(400, "AccessDeniedException", "not authorized to perform pricing:GetProducts"));
        var client = PricingClients.Create(server.Endpoint);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal("AccessDeniedException", ex.ErrorCode);
        Assert.Single(server.Requests);
    }
}
