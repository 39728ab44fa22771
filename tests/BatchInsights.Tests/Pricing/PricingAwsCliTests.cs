using System.Diagnostics;
using System.Text.Json;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Pricing;

/// <summary>The real AWS CLI (botocore parses and validates the JSON 1.1 shapes) against the sandbox's Price List API.</summary>
public sealed class PricingAwsCliTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task AwsCli_GetProducts_M5LargeInUsEast1_ParsesOneProductAt0096()
    {
        var result = await AwsAsync("pricing", "get-products", "--service-code", "AmazonEC2", "--filters",
            "Type=TERM_MATCH,Field=regionCode,Value=us-east-1", "Type=TERM_MATCH,Field=instanceType,Value=m5.large",
            "Type=TERM_MATCH,Field=operatingSystem,Value=Linux", "Type=TERM_MATCH,Field=tenancy,Value=Shared");

        var item = Assert.Single(result.GetProperty("PriceList").EnumerateArray().ToList());
        using var product = JsonDocument.Parse(item.GetString()!);
        Assert.Equal("m5.large", product.RootElement.GetProperty("product").GetProperty("attributes").GetProperty("instanceType").GetString());
        var dimension = product.RootElement.GetProperty("terms").GetProperty("OnDemand").EnumerateObject().Single().Value
            .GetProperty("priceDimensions").EnumerateObject().Single().Value;
        Assert.Equal("0.0960000000", dimension.GetProperty("pricePerUnit").GetProperty("USD").GetString());
        Assert.Equal("Hrs", dimension.GetProperty("unit").GetString());
    }

    [Fact]
    public async Task AwsCli_GetProducts_PagedByTheCli_CollectsDistinctProducts()
    {
        // The CLI follows NextToken itself: 250 items over pages of 100.
        var result = await AwsAsync("pricing", "get-products", "--service-code", "AmazonEC2", "--filters",
            "Type=TERM_MATCH,Field=regionCode,Value=us-east-1", "--max-items", "250", "--page-size", "100");

        var types = result.GetProperty("PriceList").EnumerateArray()
            .Select(i => JsonDocument.Parse(i.GetString()!).RootElement.GetProperty("product").GetProperty("attributes").GetProperty("instanceType").GetString())
            .ToList();
        Assert.Equal(250, types.Count);
        Assert.Equal(250, types.Distinct().Count());
    }

    private Task<JsonElement> AwsAsync(params string[] args) => AwsCli.RunJsonAsync(fixture.Server.BaseAddress, args);
}
