using BatchInsights.Core.Catalog;
using BatchInsights.Core.Recommendations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Recommendations;

/// <summary>Small hand-made inputs: the embedded us-east-1 catalog, one CE, jobs of one shape over a day.</summary>
internal static class RecommendationCases
{
    public const string Region = "us-east-1";
    public const string Account = "123456789012";
    public static readonly long NowMs = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    public static readonly long FromMs = NowMs - (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private static readonly Lazy<InstanceCatalog> Catalog = new(() => new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, new FakeTimeProvider()));

    public static ComputeEnvironmentConfig Ce(string name = "ce", string resourceType = "EC2", IReadOnlyList<string>? types = null, int? bid = null, string? strategy = "BEST_FIT_PROGRESSIVE") =>
        new(Account, Region, $"arn:aws:batch:{Region}:{Account}:compute-environment/{name}", name, "MANAGED", resourceType, "ENABLED", "VALID",
            types ?? ["optimal"], strategy, bid, 0, 256, 0, ["subnet-1"]);

    public static QueueConfig Queue(string name = "q", string ce = "ce", bool mnp = false) => new(Account, Region, name, "ENABLED", 1, [ce], mnp);

    /// <summary><paramref name="count"/> jobs of one shape, staggered over the day, each an hour long.</summary>
    public static IEnumerable<ObservedJob> Jobs(int count, double vcpus, long memoryMib, int gpus = 0, string ce = "ce", string queue = "q", int nodes = 1)
    {
        for (var i = 0; i < count; i++)
        {
            var start = FromMs + (i * (NowMs - FromMs - 3_600_000) / count);
            yield return new ObservedJob(Account, Region, queue, ce, "def", vcpus, memoryMib, gpus, nodes, start, start + 3_600_000);
        }
    }

    public static RecommendationInput Input(
        IEnumerable<ComputeEnvironmentConfig> ces,
        IEnumerable<QueueConfig> queues,
        IEnumerable<ObservedJob> jobs,
        IReadOnlyList<SpotPriceSeries>? spot = null,
        IReadOnlyList<StuckJobFact>? stuck = null,
        RecommendationSettings? settings = null)
    {
        spot ??= [];
        var offers = RecommendationInputLoader.BuildOffers(Catalog.Value, [Region], spot, FromMs, NowMs);
        return new RecommendationInput(NowMs, FromMs, ces.ToList(), queues.ToList(), jobs.ToList(), offers, spot, [], stuck ?? [], [], settings ?? new RecommendationSettings());
    }

    /// <summary>A pool whose price is <paramref name="lowShare"/> of On-Demand, then <paramref name="highShare"/> for <paramref name="highFraction"/> of the window.</summary>
    public static SpotPriceSeries Pool(string type, string az, decimal onDemand, decimal lowShare, decimal highShare, double highFraction)
    {
        var switchMs = NowMs - (long)((NowMs - FromMs) * highFraction);
        return new SpotPriceSeries(Account, Region, az, type,
        [
            new SpotPricePoint(FromMs - 60_000, decimal.Round(onDemand * lowShare, 6)),
            new SpotPricePoint(switchMs, decimal.Round(onDemand * highShare, 6)),
        ]);
    }

    public static decimal OnDemand(string type) => Catalog.Value.OnDemandPrice(type, Region)!.UsdPerHour;
}
