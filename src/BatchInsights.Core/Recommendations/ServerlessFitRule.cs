using System.Globalization;
using BatchInsights.Core.Costs;

namespace BatchInsights.Core.Recommendations;

/// <summary>
/// Lambda / Fargate fit (issue 4 §5, the seed's Batch-vs-Lambda comparison): job definitions whose runs always finish
/// well under Lambda's 15 minutes, need at most 10,240 MB and no GPU are Lambda candidates; small CPU jobs that do not
/// fit Lambda may fit Fargate. Advice only when the option is cheaper than what the runs cost now.
/// </summary>
public sealed class ServerlessFitRule : IRecommendationRule
{
    public const string RuleId = "serverless-fit";

    /// <summary>Fewer runs than this say too little about the duration tail.</summary>
    public const int MinRuns = 20;

    /// <summary>The 99th percentile must stay this far under Lambda's 15-minute limit.</summary>
    public static readonly TimeSpan MaxP99 = TimeSpan.FromMinutes(10);

    public string Id => RuleId;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ces = input.ComputeEnvironments.ToDictionary(c => (c.Account, c.Region, c.Name));
        var costs = (input.DefinitionCosts ?? []).ToDictionary(c => (c.Account, c.Region, c.JobDefinition));
        var groups = input.Jobs.Where(j => j.JobDefinition is not null).GroupBy(j => (j.Account, j.Region, Definition: j.JobDefinition!))
            .OrderBy(g => g.Key.Definition, StringComparer.Ordinal)
            .Select(g => (g.Key, Runs: g.ToList()))
            .Where(g => g.Runs.Count >= MinRuns && !g.Runs.Any(j => j.Nodes > 1 || j.Gpus > 0))
            .ToList();
        // Definitions are independent and each may have hundreds of thousands of runs: assess them side by side.
        var fits = new FitAssessment[groups.Count];
        Parallel.For(0, groups.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            i => fits[i] = Assess(groups[i].Runs, ces, input.Offers));
        for (var i = 0; i < groups.Count; i++)
        {
            var (key, runs) = groups[i];
            var fit = fits[i];
            if (fit.LambdaMemoryMb > LambdaRates.MaxMemoryMb && !fit.FargateFits)
            {
                continue;
            }

            var current = costs.TryGetValue(key, out var fact)
                ? new CurrentCost(fact.CostUsd, fact.CostUsd + fact.IdleShareUsd, "cost model", fact.EstimatedUsd > 0)
                : new CurrentCost(fit.EstimatedUsd, fit.EstimatedUsd, "estimated share of the smallest allowed instance", true);
            if (Build(input, key.Account, key.Region, key.Definition, runs, fit, current) is { } recommendation)
            {
                yield return recommendation;
            }
        }
    }

    /// <summary>Duration percentiles, the Lambda memory setting, and the cost of the runs on Lambda and on Fargate over the window.</summary>
    public sealed record FitAssessment(
        int Runs,
        long P50Ms,
        long P99Ms,
        long MaxMs,
        double MaxVcpus,
        long MaxMemoryMib,
        int LambdaMemoryMb,
        bool LambdaFits,
        bool FargateFits,
        bool OnFargate,
        decimal LambdaUsd,
        decimal FargateUsd,
        decimal EstimatedUsd);

    private sealed record CurrentCost(decimal AttributedUsd, decimal WithIdleUsd, string Basis, bool Estimated);

    public static FitAssessment Assess(IReadOnlyList<ObservedJob> runs, IReadOnlyDictionary<(string, string, string), ComputeEnvironmentConfig> ces, IReadOnlyList<InstanceOffer> offers)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(ces);
        ArgumentNullException.ThrowIfNull(offers);
        var durations = runs.Select(j => Math.Max(0, j.StoppedAtMs - j.StartedAtMs)).Order().ToList();
        var maxVcpus = runs.Max(j => j.Vcpus);
        var maxMemory = runs.Max(j => j.MemoryMib);
        // One function has one memory setting: the largest any run needs (memory, or memory enough for its vCPUs).
        var lambdaMemory = LambdaRates.MemoryMbFor(maxVcpus, maxMemory);
        var p99 = Percentile(durations, 0.99);
        var lambdaFits = p99 <= MaxP99.TotalMilliseconds && durations[^1] < LambdaRates.MaxDuration.TotalMilliseconds && lambdaMemory <= LambdaRates.MaxMemoryMb;
        var onFargate = runs.Count(j => ces.TryGetValue((j.Account, j.Region, j.ComputeEnvironment), out var c) && c.IsFargate) * 2 > runs.Count;
        var fargateFits = !onFargate && maxVcpus <= FargateRates.MaxVcpus && maxMemory <= FargateRates.MaxMemoryMib;
        decimal lambda = 0, fargate = 0, estimated = 0;
        // The type a run would take depends only on its CE and shape: pick it once per (CE, shape), not per run (a million runs).
        var typeCache = new Dictionary<(string, string, string, double, long), (InstanceOffer? Offer, decimal Price)>();
        foreach (var j in runs)
        {
            lambda += LambdaRates.X86.InvocationUsd(lambdaMemory, j.StoppedAtMs - j.StartedAtMs);
            var attempt = new CostAttempt(new AttemptKey(j.Account, j.Region, "", 0), j.Vcpus, j.MemoryMib, 0, j.StartedAtMs, j.StoppedAtMs);
            fargate += CostAttribution.Fargate(attempt, FargateRates.OnDemand).CostUsd;
            estimated += EstimateRun(j, ces, offers, attempt, typeCache);
        }

        return new FitAssessment(runs.Count, Percentile(durations, 0.5), p99, durations[^1], maxVcpus, maxMemory, lambdaMemory, lambdaFits, fargateFits, onFargate,
            decimal.Round(lambda, 6), decimal.Round(fargate, 6), decimal.Round(estimated, 6));
    }

    /// <summary>
    /// Without the cost model: the run's share (Core/Costs share rule) of the cheapest allowed type that holds it, at the
    /// CE's purchasing option; Fargate CEs at the Fargate rates. 0 when nothing is known.
    /// </summary>
    private static decimal EstimateRun(ObservedJob j, IReadOnlyDictionary<(string, string, string), ComputeEnvironmentConfig> ces, IReadOnlyList<InstanceOffer> offers, CostAttempt attempt,
        Dictionary<(string, string, string, double, long), (InstanceOffer? Offer, decimal Price)> typeCache)
    {
        if (!ces.TryGetValue((j.Account, j.Region, j.ComputeEnvironment), out var ce))
        {
            return 0m;
        }

        if (ce.IsFargate)
        {
            return CostAttribution.Fargate(attempt, ce.IsSpot || string.Equals(ce.ResourceType, "FARGATE_SPOT", StringComparison.OrdinalIgnoreCase) ? FargateRates.Spot : FargateRates.OnDemand).CostUsd;
        }

        var key = (j.Account, j.Region, j.ComputeEnvironment, j.Vcpus, j.MemoryMib);
        if (!typeCache.TryGetValue(key, out var type))
        {
            var regional = offers.Where(o => o.Region == j.Region).ToList();
            var allowed = InstanceTypesRule.Expand(ce.InstanceTypes, regional).ToHashSet(StringComparer.Ordinal);
            type = regional.Where(o => allowed.Contains(o.InstanceType) && o.OnDemandUsdPerHour is not null
                    && j.Vcpus <= o.Vcpus && j.MemoryMib <= o.MemoryMib * SlicePacking.UsableMemoryShare)
                .Select(o => o.For(ce)).Where(o => !o.NotOfferedInCeZones)
                .Select(o => (Offer: (InstanceOffer?)o, Price: ce.IsSpot ? o.MeanSpotUsdPerHour ?? o.OnDemandUsdPerHour!.Value * InstanceTypesRule.AssumedSpotRatio : o.OnDemandUsdPerHour!.Value))
                .OrderBy(t => t.Price).FirstOrDefault();
            typeCache[key] = type;
        }

        if (type.Offer is null)
        {
            return 0m;
        }

        var share = CostAttribution.Share(j.Vcpus, j.MemoryMib, 0, new Capacity(type.Offer.Vcpus, type.Offer.MemoryMib, type.Offer.Gpus));
        return share * type.Price * (decimal)j.Hours;
    }

    private static Recommendation? Build(RecommendationInput input, string account, string region, string definition, List<ObservedJob> runs, FitAssessment fit, CurrentCost current)
    {
        var factor = input.MonthlyFactor;
        var currentMonthly = decimal.Round(current.WithIdleUsd * factor, 2);
        var lambdaMonthly = decimal.Round(fit.LambdaUsd * factor, 2);
        var fargateMonthly = decimal.Round(fit.FargateUsd * factor, 2);
        var options = new List<(string Name, decimal Monthly, decimal Window)>();
        if (fit.LambdaFits)
        {
            options.Add(("Lambda", lambdaMonthly, fit.LambdaUsd));
        }

        if (fit.FargateFits)
        {
            options.Add(("Fargate", fargateMonthly, fit.FargateUsd));
        }

        if (options.Count == 0 || current.WithIdleUsd <= 0)
        {
            return null;
        }

        var best = options.OrderBy(o => o.Monthly).ThenBy(o => o.Name, StringComparer.Ordinal).First();
        var savings = currentMonthly - best.Monthly;
        if (savings <= Math.Max(1m, currentMonthly * 0.05m))
        {
            return null;
        }

        // Low end: against the attributed cost only (as if the CE's idle time stayed); high end: the full idle share goes away.
        var low = decimal.Round((current.AttributedUsd - best.Window) * factor, 2);
        var lambdaText = fit.LambdaFits ? string.Create(CultureInfo.InvariantCulture, $"Lambda ({fit.LambdaMemoryMb} MB) {lambdaMonthly:0.00}") : "Lambda: does not fit";
        var fargateText = fit.FargateFits ? string.Create(CultureInfo.InvariantCulture, $"Fargate {fargateMonthly:0.00}") : fit.OnFargate ? "already on Fargate" : "Fargate: does not fit";
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{fit.Runs} runs of {definition}: p50 {Minutes(fit.P50Ms)}, p99 {Minutes(fit.P99Ms)}, max {Minutes(fit.MaxMs)}; up to {fit.MaxVcpus:0.##} vCPU and {fit.MaxMemoryMib} MiB, no GPU. Monthly: now {currentMonthly:0.00} USD ({current.Basis}), {lambdaText}, {fargateText}. {best.Name} would save about {savings:0.00} USD/month.");
        var change = best.Name == "Lambda"
            ? new ProposedChange("(move to AWS Lambda)", "AWS Batch", string.Create(CultureInfo.InvariantCulture, $"Lambda function, {fit.LambdaMemoryMb} MB, timeout 15 min"))
            : new ProposedChange("platformCapabilities", "EC2", "FARGATE");
        var rows = new List<IReadOnlyList<string>>
        {
            Row("Now (" + current.Basis + ")", current.WithIdleUsd, factor, ""),
            Row("AWS Lambda", fit.LambdaUsd, factor, fit.LambdaFits ? string.Create(CultureInfo.InvariantCulture, $"{fit.LambdaMemoryMb} MB; fits") : LambdaMisfit(fit)),
            Row("AWS Fargate (On-Demand)", fit.FargateUsd, factor, fit.FargateFits ? "fits" : fit.OnFargate ? "already on Fargate" : "over 16 vCPU / 120 GiB"),
        };
        var evidence = new List<EvidenceItem>
        {
            EvidenceItem.Table("Cost of the same runs", ["Option", "Cost in window (USD)", "Monthly (USD)", "Fit"], rows),
            DurationHistogram(runs),
        };
        var assumptions = new List<string>
        {
            "Runs take as long on Lambda/Fargate as they did on Batch; Lambda gets CPU in proportion to memory (1,769 MB per vCPU), so the memory setting covers the vCPU request.",
            string.Create(CultureInfo.InvariantCulture, $"Lambda x86 list prices, us-east-1: {LambdaRates.X86.UsdPerGbSecond} USD per GB-second, {LambdaRates.X86.UsdPerMillionRequests} USD per million requests (https://aws.amazon.com/lambda/pricing/; aws-facts has no Lambda prices); no free tier."),
            string.Create(CultureInfo.InvariantCulture, $"Fargate On-Demand list prices, us-east-1: {FargateRates.OnDemand.UsdPerVcpuHour} USD per vCPU-hour, {FargateRates.OnDemand.UsdPerGbHour} USD per GB-hour, per second with a 1-minute minimum; requests are not rounded up to Fargate's valid vCPU/memory pairs."),
            "Check before moving: the job needs at most 10 GiB of disk (Lambda ephemeral /tmp), its container image is at most 10 GB and runs without privileged mode, and it needs no host volumes or GPUs.",
            current.Basis == "cost model"
                ? "Now = the runs' attributed cost plus their share of the CE's idle instance time (in proportion to attributed cost); the low end of the range leaves the idle time out."
                : "Now = each run's share of the cheapest allowed instance type that holds it (estimated; boot and idle time not counted).",
            string.Create(CultureInfo.InvariantCulture, $"Monthly = window cost × 30 days / {input.WindowHours:0.#} h observed."),
        };
        return new Recommendation(RuleId, new RecommendationTarget(account, region, RecommendationTargetKind.JobDefinition, definition),
            $"{definition}: cheaper on {best.Name}", summary, [change], new SavingsEstimate(savings, Math.Min(low, savings), savings),
            // Never High: the runtime on another platform and the image/disk constraints are not observed.
            fit.Runs >= 100 && !current.Estimated ? RecommendationConfidence.Medium : RecommendationConfidence.Low,
            RecommendationSeverity.Info, evidence, assumptions,
            string.Join('|', best.Name, RecommendationFingerprint.SavingsBucket(savings)));
    }

    private static string LambdaMisfit(FitAssessment fit) =>
        fit.LambdaMemoryMb > LambdaRates.MaxMemoryMb
            ? string.Create(CultureInfo.InvariantCulture, $"needs {fit.LambdaMemoryMb} MB > 10,240 MB")
            : string.Create(CultureInfo.InvariantCulture, $"too long: p99 {Minutes(fit.P99Ms)}, max {Minutes(fit.MaxMs)} (limit 15 min)");

    private static IReadOnlyList<string> Row(string name, decimal windowUsd, decimal factor, string fit) =>
        [name, windowUsd.ToString("0.00", CultureInfo.InvariantCulture), (windowUsd * factor).ToString("0.00", CultureInfo.InvariantCulture), fit];

    private static EvidenceItem DurationHistogram(List<ObservedJob> runs)
    {
        string[] labels = ["≤1 min", "≤5", "≤10", "≤15", ">15 min"];
        var counts = new double[labels.Length];
        foreach (var j in runs)
        {
            var m = (j.StoppedAtMs - j.StartedAtMs) / 60_000.0;
            counts[m <= 1 ? 0 : m <= 5 ? 1 : m <= 10 ? 2 : m <= 15 ? 3 : 4]++;
        }

        return EvidenceItem.Chart(EvidenceKind.Histogram, "Run durations", labels, [new EvidenceSeries("Runs", counts)], "Lambda stops a function after 15 minutes.");
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static long Percentile(List<long> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Minutes(long ms) => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000.0:0.#} min");
}
