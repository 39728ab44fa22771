using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BatchInsights.Sandbox;
using BatchInsights.Sandbox.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The real AWSSDK.EC2 client against the sandbox's EC2 Query endpoint.</summary>
public sealed class Ec2QueryTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    internal static AmazonEC2Client Client(Uri baseAddress) =>
        new(new BasicAWSCredentials("AKIDSANDBOX", "sandbox-secret"), new AmazonEC2Config
        {
            ServiceURL = baseAddress.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
        });

    private static async Task<List<SpotPrice>> AllSpotPricesAsync(AmazonEC2Client ec2, DescribeSpotPriceHistoryRequest request)
    {
        var all = new List<SpotPrice>();
        do
        {
            var page = await ec2.DescribeSpotPriceHistoryAsync(request);
            all.AddRange(page.SpotPriceHistory ?? []);
            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return all;
    }

    private static double Price(SpotPrice p) => double.Parse(p.Price, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task DescribeInstanceTypes_M5Large_HasTwoVcpusAnd8GiB()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var result = await ec2.DescribeInstanceTypesAsync(new DescribeInstanceTypesRequest { InstanceTypes = ["m5.large"] });

        var m5 = Assert.Single(result.InstanceTypes);
        Assert.Equal("m5.large", m5.InstanceType.Value);
        Assert.Equal(2, m5.VCpuInfo.DefaultVCpus);
        Assert.Equal(8192, m5.MemoryInfo.SizeInMiB);
        Assert.Equal(["x86_64"], m5.ProcessorInfo.SupportedArchitectures);
        Assert.Contains("spot", m5.SupportedUsageClasses);
        Assert.False(m5.BareMetal);
        Assert.False(m5.BurstablePerformanceSupported);
    }

    [Fact]
    public async Task DescribeInstanceTypes_GpuType_ServesGpuInfo()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var result = await ec2.DescribeInstanceTypesAsync(new DescribeInstanceTypesRequest { InstanceTypes = ["g4dn.xlarge"] });

        var gpu = Assert.Single(Assert.Single(result.InstanceTypes).GpuInfo.Gpus);
        Assert.Equal("T4", gpu.Name);
        Assert.Equal("NVIDIA", gpu.Manufacturer);
        Assert.Equal(1, gpu.Count);
        Assert.Equal(16384, gpu.MemoryInfo.SizeInMiB);
    }

    [Fact]
    public async Task DescribeInstanceTypes_PagedByMaxResults_ReturnsEveryTypeOnce()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var request = new DescribeInstanceTypesRequest { MaxResults = 100 };
        var names = new List<string>();
        var pages = 0;

        do
        {
            var page = await ec2.DescribeInstanceTypesAsync(request);
            Assert.InRange(page.InstanceTypes.Count, 1, 100);
            names.AddRange(page.InstanceTypes.Select(t => t.InstanceType.Value));
            request.NextToken = page.NextToken;
            pages++;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        Assert.Equal(1263, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(13, pages);
    }

    [Fact]
    public async Task DescribeInstanceTypes_FilterByFamilyWildcardAndArchitecture_ReturnsOnlyMatches()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var result = await ec2.DescribeInstanceTypesAsync(new DescribeInstanceTypesRequest
        {
            Filters = [new Filter("instance-type", ["c7g.*"]), new Filter("processor-info.supported-architecture", ["arm64"])],
        });

        Assert.NotEmpty(result.InstanceTypes);
        Assert.All(result.InstanceTypes, t => Assert.StartsWith("c7g.", t.InstanceType.Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DescribeInstanceTypes_UnknownType_FailsWithInvalidInstanceType()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var ex = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            ec2.DescribeInstanceTypesAsync(new DescribeInstanceTypesRequest { InstanceTypes = ["m5.huge"] }));

        Assert.Equal("InvalidInstanceType", ex.ErrorCode);
        Assert.Contains("m5.huge", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<List<InstanceTypeOffering>> AllOfferingsAsync(AmazonEC2Client ec2, DescribeInstanceTypeOfferingsRequest request)
    {
        var all = new List<InstanceTypeOffering>();
        do
        {
            var page = await ec2.DescribeInstanceTypeOfferingsAsync(request);
            all.AddRange(page.InstanceTypeOfferings ?? []);
            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return all;
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferings_NoLocationType_ListsEachTypeOfferedInAnyZoneOnceAtTheRegion()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var offerings = await AllOfferingsAsync(ec2, new DescribeInstanceTypeOfferingsRequest());

        var expected = Ec2Data.Default.Offerings["us-east-1"].Values.SelectMany(t => t).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, offerings.Select(o => o.InstanceType.Value));
        Assert.All(offerings, o => Assert.Equal(("region", "us-east-1"), (o.LocationType.Value, o.Location)));
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferings_ByAzPagedByFive_ReturnsEveryRowOnceInLocationThenTypeOrder()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var request = new DescribeInstanceTypeOfferingsRequest { LocationType = LocationType.AvailabilityZone, MaxResults = 5 };
        var rows = new List<(string Zone, string Type)>();
        var pages = 0;

        do
        {
            var page = await ec2.DescribeInstanceTypeOfferingsAsync(request);
            Assert.InRange(page.InstanceTypeOfferings.Count, 1, 5);
            rows.AddRange(page.InstanceTypeOfferings.Select(o => (o.Location, o.InstanceType.Value)));
            request.NextToken = page.NextToken;
            pages++;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        var expected = Ec2Data.Default.Offerings["us-east-1"]
            .SelectMany(z => z.Value.Select(t => (Zone: z.Key, Type: t)))
            .OrderBy(r => r.Zone, StringComparer.Ordinal).ThenBy(r => r.Type, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(5678, expected.Count);
        Assert.Equal(expected, rows);
        Assert.Equal((5678 + 4) / 5, pages);
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferings_ByZoneId_UsesTheIdsDescribeAvailabilityZonesGives()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var zones = (await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest())).AvailabilityZones.ToDictionary(z => z.ZoneId, z => z.ZoneName);

        var offerings = await AllOfferingsAsync(ec2, new DescribeInstanceTypeOfferingsRequest
        {
            LocationType = LocationType.AvailabilityZoneId,
            Filters = [new Filter("instance-type", ["m5.large", "p5.48xlarge"])],
        });

        Assert.All(offerings, o => Assert.Equal("availability-zone-id", o.LocationType.Value));
        var data = Ec2Data.Default.Offerings["us-east-1"];
        foreach (var type in new[] { "m5.large", "p5.48xlarge" })
        {
            var byName = offerings.Where(o => o.InstanceType.Value == type).Select(o => zones[o.Location]).Order(StringComparer.Ordinal);
            Assert.Equal(data.Where(z => z.Value.Contains(type)).Select(z => z.Key).Order(StringComparer.Ordinal), byName);
        }
    }

    [Fact]
    public async Task DescribeInstanceTypeOfferings_WildcardFilters_MatchAsEc2Filters()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var offerings = await AllOfferingsAsync(ec2, new DescribeInstanceTypeOfferingsRequest
        {
            LocationType = LocationType.AvailabilityZone,
            Filters = [new Filter("location", ["*-1e", "us-east-?a"]), new Filter("instance-type", ["t3.*"])],
        });

        var expected = Ec2Data.Default.Offerings["us-east-1"]
            .Where(z => z.Key is "us-east-1a" or "us-east-1e")
            .SelectMany(z => z.Value.Where(t => t.StartsWith("t3.", StringComparison.Ordinal)).Select(t => (z.Key, t)))
            .ToHashSet();
        Assert.NotEmpty(offerings);
        Assert.Equal(expected, offerings.Select(o => (o.Location, o.InstanceType.Value)).ToHashSet());
    }

    [Theory]
    [InlineData("moon", null, null)]
    [InlineData(null, 4, null)]
    [InlineData(null, 1001, null)]
    [InlineData(null, null, "availability-zone")]
    public async Task DescribeInstanceTypeOfferings_InvalidParameter_FailsWithInvalidParameterValue(string? locationType, int? maxResults, string? filter)
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var request = new DescribeInstanceTypeOfferingsRequest { MaxResults = maxResults };
        if (locationType is not null) request.LocationType = new LocationType(locationType);
        if (filter is not null) request.Filters = [new Filter(filter, ["us-east-1a"])];

        var ex = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstanceTypeOfferingsAsync(request));

        Assert.Equal("InvalidParameterValue", ex.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains(locationType ?? filter ?? maxResults!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_WithStartTime_ReturnsPriceInEffectAtStartThenNewerChangesNewestFirst()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var start = SandboxFixture.Start.UtcDateTime.AddDays(-2);

        var prices = await AllSpotPricesAsync(ec2, new DescribeSpotPriceHistoryRequest
        {
            InstanceTypes = ["m5.large"],
            ProductDescriptions = ["Linux/UNIX"],
            AvailabilityZone = "us-east-1a",
            StartTime = start,
        });
        var earlier = await AllSpotPricesAsync(ec2, new DescribeSpotPriceHistoryRequest
        {
            InstanceTypes = ["m5.large"],
            ProductDescriptions = ["Linux/UNIX"],
            AvailabilityZone = "us-east-1a",
            StartTime = start.AddDays(-3),
        });

        Assert.True(prices.Count >= 4, $"only {prices.Count} changes in two days");
        Assert.Equal(prices.OrderByDescending(p => p.Timestamp).Select(p => p.Timestamp), prices.Select(p => p.Timestamp));
        var inEffect = prices[^1];
        Assert.True(inEffect.Timestamp <= start, "the oldest item is the price in effect at the start time");
        Assert.All(prices.SkipLast(1), p => Assert.True(p.Timestamp > start));
        Assert.True(prices[0].Timestamp <= SandboxFixture.Start.UtcDateTime, "no price from the future");
        // A wider window holds the same changes, with the same prices.
        var sameInEarlier = earlier.Single(p => p.Timestamp == inEffect.Timestamp);
        Assert.Equal(inEffect.Price, sameInEarlier.Price);
        Assert.Equal(prices.Select(p => (p.Timestamp, p.Price)), earlier.Take(prices.Count).Select(p => (p.Timestamp, p.Price)));
        Assert.All(prices, p =>
        {
            Assert.Equal("us-east-1a", p.AvailabilityZone);
            Assert.Equal("Linux/UNIX", p.ProductDescription.Value);
            Assert.Matches(@"^\d+\.\d{6}$", p.Price);
        });
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_PagedByNextToken_CollectsEveryChangeExactlyOnce()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var start = SandboxFixture.Start.UtcDateTime.AddDays(-5);
        DescribeSpotPriceHistoryRequest Request(int maxResults) => new()
        {
            Filters = [new Filter("instance-type", ["c5.large", "c5.xlarge", "r5.large"])],
            StartTime = start,
            MaxResults = maxResults,
        };

        var small = await AllSpotPricesAsync(ec2, Request(50));
        var large = await AllSpotPricesAsync(ec2, Request(1000));

        var keys = small.Select(p => (p.AvailabilityZone, p.InstanceType.Value, p.ProductDescription.Value, p.Timestamp)).ToList();
        Assert.True(small.Count > 200, $"only {small.Count} items");
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(keys, large.Select(p => (p.AvailabilityZone, p.InstanceType.Value, p.ProductDescription.Value, p.Timestamp)));
        Assert.Equal(["c5.large", "c5.xlarge", "r5.large"], small.Select(p => p.InstanceType.Value).Distinct().Order());
        Assert.Equal(["Linux/UNIX", "Linux/UNIX (Amazon VPC)"], small.Select(p => p.ProductDescription.Value).Distinct().Order());
        Assert.True(small.Select(p => p.AvailabilityZone).Distinct().Count() >= 3);
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_CurrentPrices_AreRealisticShareOfOnDemand()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);
        var now = SandboxFixture.Start.UtcDateTime;

        // With StartTime = now, each pool of the scenario's CEs answers with its current price.
        var current = await AllSpotPricesAsync(ec2, new DescribeSpotPriceHistoryRequest { StartTime = now, ProductDescriptions = ["Linux/UNIX"] });

        var ratios = current.Select(p => Price(p) / InstanceCatalog.Default.Find(p.InstanceType.Value)!.OnDemandUsd!.Value).Order().ToList();
        Assert.True(current.Count > 50, $"only {current.Count} pools");
        Assert.All(current, p => Assert.True(Price(p) > 0));
        Assert.Equal(current.Count, current.Select(p => (p.AvailabilityZone, p.InstanceType.Value)).Distinct().Count());
        Assert.InRange(ratios[ratios.Count / 2], 0.2, 0.7);
        Assert.True(ratios.Count(r => r > 1) <= ratios.Count / 50, "Spot rarely costs more than On-Demand");
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_SameSeed_SameHistoryAndOtherSeedDiffers()
    {
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        await using var same = await SandboxServer.StartAsync(new SandboxSettings { TimeProvider = clock, TargetJobCount = 1000 }, CancellationToken.None);
        await using var other = await SandboxServer.StartAsync(new SandboxSettings { TimeProvider = clock, TargetJobCount = 1000, Seed = 7 }, CancellationToken.None);
        var request = () => new DescribeSpotPriceHistoryRequest { InstanceTypes = ["m5.xlarge"], StartTime = SandboxFixture.Start.UtcDateTime.AddDays(-1) };
        using var a = Client(fixture.Server.BaseAddress);
        using var b = Client(same.BaseAddress);
        using var c = Client(other.BaseAddress);

        var fromFixture = await AllSpotPricesAsync(a, request());
        var fromSame = await AllSpotPricesAsync(b, request());
        var fromOther = await AllSpotPricesAsync(c, request());

        static List<string> Keys(List<SpotPrice> list) => list.Select(p => $"{p.AvailabilityZone} {p.Timestamp:O} {p.Price} {p.ProductDescription.Value}").ToList();
        Assert.Equal(Keys(fromFixture), Keys(fromSame));
        Assert.NotEqual(Keys(fromFixture), Keys(fromOther));
    }

    [Fact]
    public async Task DescribeAvailabilityZones_DefaultRegion_ListsSixZonesWithIds()
    {
        using var ec2 = Client(fixture.Server.BaseAddress);

        var result = await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest());

        Assert.Equal(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"], result.AvailabilityZones.Select(z => z.ZoneName));
        Assert.Equal("use1-az1", result.AvailabilityZones[0].ZoneId);
        Assert.All(result.AvailabilityZones, z =>
        {
            Assert.Equal("us-east-1", z.RegionName);
            Assert.Equal("available", z.State.Value);
        });
    }

    [Fact]
    public async Task Ec2Call_WithoutAuthorization_FailsWithAuthFailureXml()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };

        using var response = await http.PostAsync("/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Action"] = "DescribeAvailabilityZones",
            ["Version"] = "2016-11-15",
        }));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("<Code>AuthFailure</Code>", body, StringComparison.Ordinal);
        Assert.Contains("<RequestID>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostRoot_WithXAmzTarget_IsNotTakenForEc2()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", SandboxClient.DummyAuthorization);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSPriceListService.DescribeServices");

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("UnknownOperationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Ec2Call_UnknownAction_FailsWithInvalidAction()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "RunInstances", ["Version"] = "2016-11-15" }),
        };
        request.Headers.TryAddWithoutValidation("Authorization", SandboxClient.DummyAuthorization);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<Code>InvalidAction</Code>", body, StringComparison.Ordinal);
    }
}
