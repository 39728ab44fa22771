using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Pricing;

/// <summary>The catalog refresh job end to end against the sandbox: specs from EC2, then prices from the Price List API.</summary>
public sealed class CatalogPriceRefreshTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static readonly AwsTarget[] Targets = [new("prod", "us-east-1"), new("prod", "eu-west-1")];

    [Fact]
    public async Task RunAsync_SandboxPricingApi_M5LargePricesComeFromTheApiInEachTargetRegion()
    {
        var catalog = NewCatalog();
        var job = new InstanceCatalogRefreshJob(catalog, Ec2For(fixture.Server.BaseAddress), Targets, () => PricingClients.Create(fixture.Server.BaseAddress));

        await job.RunAsync(CancellationToken.None);

        Assert.Equal(new OnDemandPrice(0.096m, PriceSource.Api, "us-east-1"), catalog.OnDemandPrice("m5.large", "us-east-1"));
        Assert.Equal(new OnDemandPrice(0.107m, PriceSource.Api, "eu-west-1"), catalog.OnDemandPrice("m5.large", "eu-west-1"));
        // The AZ offerings of each target region came along (DescribeInstanceTypeOfferings): us-east-1e offers m4 but not m5.
        Assert.Equal(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"], catalog.OfferedZones("m5.large", "us-east-1")!.Order());
        Assert.Contains("us-east-1e", catalog.OfferedZones("m4.large", "us-east-1")!);
        // (The sandbox simulates one region, so eu-west-1's answer is not checked here.)
        Assert.Null(catalog.OfferedZones("m5.large", "ap-south-1"));
    }

    [Fact]
    public async Task RunAsync_PricingApiDenied_KeepsTheEmbeddedPricesAndFailsTheJobVisibly()
    {
        await using var denied = await ScriptedAwsServer.StartAsync();
        denied.Always(_ => ScriptedResponse.Error(400, "AccessDeniedException", "not authorized to perform pricing:GetProducts"));
        var catalog = NewCatalog();
        var job = new InstanceCatalogRefreshJob(catalog, Ec2For(fixture.Server.BaseAddress), Targets, () => PricingClients.Create(denied.Endpoint));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(CancellationToken.None));

        Assert.Contains("AccessDeniedException", ex.Message, StringComparison.Ordinal);
        Assert.Contains("eu-west-1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new OnDemandPrice(0.096m, PriceSource.EmbeddedSnapshot, "us-east-1"), catalog.OnDemandPrice("m5.large", "us-east-1"));
        // The specs refresh before it still took effect.
        Assert.Contains("DescribeInstanceTypes", catalog.SpecsSource, StringComparison.Ordinal);
    }

    private static Func<AwsTarget, IEc2Api> Ec2For(Uri sandbox) =>
        target => new Ec2Api(target, sandbox, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System));

    private static InstanceCatalog NewCatalog() =>
        new(NullLogger<InstanceCatalog>.Instance, new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero)));
}
