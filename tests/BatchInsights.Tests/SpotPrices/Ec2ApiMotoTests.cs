using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Tests.Aws;

namespace BatchInsights.Tests.SpotPrices;

/// <summary>Ec2Api (AWSSDK.EC2 with our credentials, budget and counters) against moto's EC2.</summary>
public sealed class Ec2ApiMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    [PythonFact("moto", "boto3")]
    public async Task DescribeInstanceTypesAsync_AgainstMoto_ReturnsRealSpecs()
    {
        using var api = Ec2Clients.Create(moto.Endpoint);

        var types = await api.DescribeInstanceTypesAsync(CancellationToken.None);

        var m5 = Assert.Single(types, t => t.Name == "m5.large");
        Assert.Equal(("m5", "large"), (m5.Family, m5.Size));
        Assert.Equal(2, m5.Vcpus);
        Assert.Equal(8192, m5.MemoryMib);
        Assert.Equal(["x86_64"], m5.Architectures);
        Assert.True(m5.SupportsSpot);
        Assert.True(m5.SupportsOnDemand);
        var g4dn = Assert.Single(types, t => t.Name == "g4dn.xlarge");
        Assert.Equal((1, "NVIDIA T4", 16384L), (g4dn.Gpus, g4dn.GpuModel, g4dn.GpuMemoryMib));
        Assert.True(types.Count > 1000, $"only {types.Count} instance types");
        Assert.True(api.Stats.Calls >= 1);
    }

    [PythonFact("moto", "boto3")]
    public async Task DescribeInstanceTypesAsync_AgainstMoto_AgreesWithTheEmbeddedSnapshot()
    {
        // The embedded snapshot was built from the data moto serves, so our SDK mapping must reproduce it exactly.
        using var api = Ec2Clients.Create(moto.Endpoint);

        var fromApi = await api.DescribeInstanceTypesAsync(CancellationToken.None);

        var embedded = EmbeddedCatalog.Snapshot.Types;
        Assert.Equal(embedded.Count, fromApi.Count);
        var mismatches = fromApi
            .Where(t => !embedded.TryGetValue(t.Name, out var e) || Describe(e) != Describe(t))
            .Select(t => $"{Describe(t)} vs {(embedded.TryGetValue(t.Name, out var e) ? Describe(e) : "missing")}")
            .Take(5)
            .ToList();
        Assert.Empty(mismatches);
    }

    [PythonFact("moto", "boto3")]
    public async Task DescribeSpotPriceHistoryAsync_AgainstMoto_ReturnsPricesPerAzForTheAskedTypes()
    {
        using var api = Ec2Clients.Create(moto.Endpoint);
        var query = new SpotPriceQuery(["m5.large", "c5.xlarge"], SpotProducts.Linux, null, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow);

        var prices = await api.DescribeSpotPriceHistoryAsync(query, CancellationToken.None);

        Assert.NotEmpty(prices);
        Assert.Equal(["c5.xlarge", "m5.large"], prices.Select(p => p.InstanceType).Distinct().Order(StringComparer.Ordinal));
        Assert.All(prices, p => Assert.StartsWith("us-east-1", p.AvailabilityZone, StringComparison.Ordinal));
        Assert.All(prices, p => Assert.True(p.PriceUsdPerHour > 0 && p.TimestampMs > 0));
        Assert.Equal(1, api.Stats.Calls);
    }

    [PythonFact("moto", "boto3")]
    public async Task DescribeInstanceTypeOfferingsAsync_AgainstMoto_ListsTheTypesOfEachAz()
    {
        using var api = Ec2Clients.Create(moto.Endpoint);

        var offerings = await api.DescribeInstanceTypeOfferingsAsync(CancellationToken.None);

        var inA = offerings.Where(o => o.AvailabilityZone == "us-east-1a").Select(o => o.InstanceType).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("m5.large", inA);
        Assert.True(inA.Count > 1000, $"only {inA.Count} types in us-east-1a");
        Assert.All(offerings, o => Assert.Matches("^us-east-1[a-z]$", o.AvailabilityZone));
        Assert.True(offerings.Select(o => o.AvailabilityZone).Distinct().Count() >= 3);
        Assert.Equal(offerings.Count, offerings.Distinct().Count());
        // moto answers in one page whatever MaxResults says; the client still asks by AZ and stops without a token.
        Assert.Equal(1, api.Stats.Calls);
    }

    private static string Describe(InstanceTypeSnapshot t) => (t with { Architectures = [] }) + " " + string.Join(';', t.Architectures);
}

internal static class Ec2Clients
{
    public static Ec2Api Create(Uri endpoint, int maxRetries = 3, TokenBucket? budget = null) =>
        new(
            TestClients.Target,
            endpoint,
            AwsCredentialSource.Fixed("AKIDTEST", "test-secret"),
            TestClients.FastPolicy with { MaxRetries = maxRetries },
            budget ?? new TokenBucket(10_000, 10_000, TimeProvider.System));
}
