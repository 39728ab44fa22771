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

    private async Task<JsonElement> AwsAsync(params string[] args)
    {
        var start = new ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var a in new[] { "--endpoint-url", fixture.Server.BaseAddress.ToString(), "--region", "us-east-1", "--output", "json" }) start.ArgumentList.Add(a);
        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIDSANDBOX";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "sandbox-secret";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment.Remove("AWS_PROFILE");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the aws CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"aws {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
