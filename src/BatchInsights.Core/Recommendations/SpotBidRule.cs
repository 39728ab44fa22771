using System.Globalization;

namespace BatchInsights.Core.Recommendations;

/// <summary>One point of the bid curve: with a cap at <paramref name="CapPercent"/> % of On-Demand, the share of time the pools were above it and what a running instance paid on average.</summary>
public sealed record BidCurvePoint(int CapPercent, double ShareAboveCap, decimal PaidPercentOfOnDemand);

/// <summary>
/// Spot max price per Spot CE. aws-facts §4.3: Batch and EC2 recommend leaving bidPercentage empty (100 %) with
/// SPOT_PRICE_CAPACITY_OPTIMIZED — a cap can only shrink the eligible pools and add price-driven interruptions, it
/// never lowers the market price paid. Unless the user set Recommendations:SpotBudgetCapPercent, the advice is to
/// remove a cap; the curve "cap → time above cap → price paid" is always attached as evidence.
/// </summary>
public sealed class SpotBidRule : IRecommendationRule
{
    public const string RuleId = "spot-bid";
    public const string PriceCapacityOptimized = "SPOT_PRICE_CAPACITY_OPTIMIZED";

    public string Id => RuleId;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var ce in input.ComputeEnvironments.Where(c => c.IsSpot && c.IsManagedEc2))
        {
            var offers = input.Offers.Where(o => o.Region == ce.Region).ToList();
            var types = InstanceTypesRule.Expand(ce.InstanceTypes, offers).ToHashSet(StringComparer.Ordinal);
            var od = offers.Where(o => o.OnDemandUsdPerHour is > 0).ToDictionary(o => o.InstanceType, o => o.OnDemandUsdPerHour!.Value, StringComparer.Ordinal);
            // The pools the CE can launch in: its types in its subnets' AZs.
            var pools = input.SpotPrices.Where(s => s.Account == ce.Account && s.Region == ce.Region && ce.LaunchesIn(s.AvailabilityZone)
                && types.Contains(s.InstanceType) && od.ContainsKey(s.InstanceType) && s.Points.Count > 0).ToList();
            if (pools.Count == 0)
            {
                continue;
            }

            if (Build(input, ce, pools, od) is { } recommendation)
            {
                yield return recommendation;
            }
        }
    }

    /// <summary>The curve for caps 10 %, 20 %, … 100 % over the window, pools weighted equally.</summary>
    public static IReadOnlyList<BidCurvePoint> Curve(IReadOnlyList<SpotPriceSeries> pools, IReadOnlyDictionary<string, decimal> onDemand, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(onDemand);
        var caps = Enumerable.Range(1, 10).Select(i => i * 10).ToList();
        return caps.Select(cap => Point(cap, pools, onDemand, fromMs, toMs)).ToList();
    }

    public static BidCurvePoint Point(int capPercent, IReadOnlyList<SpotPriceSeries> pools, IReadOnlyDictionary<string, decimal> onDemand, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(onDemand);
        double above = 0;
        decimal paidPercent = 0;
        var counted = 0;
        foreach (var pool in pools)
        {
            var limit = onDemand[pool.InstanceType] * capPercent / 100m;
            long total = 0, blocked = 0;
            decimal paid = 0;
            for (var i = 0; i < pool.Points.Count; i++)
            {
                var start = Math.Max(pool.Points[i].TimestampMs, fromMs);
                var end = i + 1 < pool.Points.Count ? Math.Min(pool.Points[i + 1].TimestampMs, toMs) : toMs;
                if (end <= start)
                {
                    continue;
                }

                total += end - start;
                if (pool.Points[i].UsdPerHour > limit)
                {
                    blocked += end - start;
                }
                else
                {
                    // While running you pay the market price, never the cap (aws-facts §4.3).
                    paid += pool.Points[i].UsdPerHour * (end - start);
                }
            }

            if (total == 0)
            {
                continue;
            }

            counted++;
            above += (double)blocked / total;
            paidPercent += total > blocked ? paid / (total - blocked) / onDemand[pool.InstanceType] * 100m : 0m;
        }

        return counted == 0 ? new BidCurvePoint(capPercent, 0, 0) : new BidCurvePoint(capPercent, above / counted, decimal.Round(paidPercent / counted, 2));
    }

    private static Recommendation? Build(RecommendationInput input, ComputeEnvironmentConfig ce, List<SpotPriceSeries> pools, Dictionary<string, decimal> od)
    {
        var currentCap = ce.BidPercentage is > 0 and < 100 ? ce.BidPercentage.Value : 100;
        var budget = input.Settings.SpotBudgetCapPercent;
        var targetCap = budget is > 0 and < 100 ? budget.Value : 100;
        var changes = new List<ProposedChange>();
        if (currentCap != targetCap)
        {
            changes.Add(new ProposedChange("computeResources.bidPercentage",
                ce.BidPercentage?.ToString(CultureInfo.InvariantCulture) ?? ProposedChange.Unset,
                targetCap == 100 ? ProposedChange.Unset : targetCap.ToString(CultureInfo.InvariantCulture)));
        }

        if (budget is null && !string.Equals(ce.AllocationStrategy, PriceCapacityOptimized, StringComparison.Ordinal))
        {
            changes.Add(new ProposedChange("computeResources.allocationStrategy", ce.AllocationStrategy ?? ProposedChange.Unset, PriceCapacityOptimized));
        }

        if (changes.Count == 0)
        {
            return null;
        }

        var curve = Curve(pools, od, input.WindowStartMs, input.NowMs);
        var now = Point(currentCap, pools, od, input.WindowStartMs, input.NowMs);
        var then = Point(targetCap, pools, od, input.WindowStartMs, input.NowMs);

        // Spot spend of the CE over the window, estimated from its jobs' vCPU-hours at the pools' mean Spot $/vCPU-h.
        var vcpuHours = input.Jobs.Where(j => j.Account == ce.Account && j.Region == ce.Region && j.ComputeEnvironment == ce.Name).Sum(j => j.Vcpus * j.Nodes * j.Hours);
        var offers = input.Offers.Where(o => o.Region == ce.Region).ToDictionary(o => o.InstanceType, StringComparer.Ordinal);
        var perVcpu = pools.Select(p => offers.TryGetValue(p.InstanceType, out var o) && o.Vcpus > 0 ? InputMean(p, input) / o.Vcpus : 0m).Where(v => v > 0).DefaultIfEmpty(0m).Average();
        var odPerVcpu = pools.Select(p => offers.TryGetValue(p.InstanceType, out var o) && o.Vcpus > 0 ? od[p.InstanceType] / o.Vcpus : 0m).Where(v => v > 0).DefaultIfEmpty(0m).Average();
        var monthlySpotUsd = (decimal)vcpuHours * perVcpu * input.MonthlyFactor;
        decimal savings, low, high;
        if (targetCap > currentCap)
        {
            // Removing a cap: time above it was work Batch could not launch on Spot (delayed, or run On-Demand by a
            // fallback CE). Low: nothing (the work just waited); mid: that share of the work priced at the Spot/On-Demand
            // difference; high: that share at the full On-Demand price.
            var share = (decimal)Math.Max(0, now.ShareAboveCap - then.ShareAboveCap);
            var workUsdOd = (decimal)vcpuHours * odPerVcpu * input.MonthlyFactor;
            savings = decimal.Round(share * Math.Max(0, workUsdOd - monthlySpotUsd), 2);
            low = 0;
            high = decimal.Round(share * workUsdOd, 2);
        }
        else
        {
            // A budget cap lowers the average price paid while running, at the cost of blocked time (delays, interruptions).
            var paidNow = now.PaidPercentOfOnDemand;
            var paidThen = then.PaidPercentOfOnDemand;
            savings = paidNow > 0 ? decimal.Round(monthlySpotUsd * (paidNow - paidThen) / paidNow, 2) : 0m;
            low = Math.Min(0, savings);
            high = Math.Max(0, savings);
        }

        var capText = targetCap == 100 ? "unset (100 %)" : $"{targetCap} %";
        var title = changes[0].FieldPath == "computeResources.bidPercentage"
            ? $"{ce.Name}: set Spot max price to {capText}"
            : $"{ce.Name}: use {PriceCapacityOptimized}";
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"With the cap at {currentCap} % of On-Demand, the CE's {pools.Count} Spot pool(s) were above it {now.ShareAboveCap:P1} of the time (launches blocked, price-driven interruptions); at {capText} {then.ShareAboveCap:P1}. A running instance pays the market price either way: about {then.PaidPercentOfOnDemand:0.#} % of On-Demand.");
        if (budget is not null)
        {
            summary += string.Create(CultureInfo.InvariantCulture, $" Recommendations:SpotBudgetCapPercent = {budget} is set, so that cap is the advice.");
        }

        var evidence = new List<EvidenceItem>
        {
            EvidenceItem.Chart(EvidenceKind.Series, "Spot max price curve (cap as % of On-Demand)",
                curve.Select(p => p.CapPercent.ToString(CultureInfo.InvariantCulture) + " %").ToList(),
                [
                    new("Time above cap (%)", curve.Select(p => Math.Round(p.ShareAboveCap * 100, 2)).ToList()),
                    new("Price paid while running (% of On-Demand)", curve.Select(p => (double)p.PaidPercentOfOnDemand).ToList()),
                ],
                string.Create(CultureInfo.InvariantCulture, $"Current cap {currentCap} %, proposed {capText}.")),
            EvidenceItem.Table("Pools of this CE",
                ["Pool (AZ, type)", "On-Demand $/h", "Spot mean $/h", "Spot max $/h", $"Time above {currentCap} %", $"Time above {targetCap} %"],
                pools.Select(p => (IReadOnlyList<string>)
                [
                    $"{p.AvailabilityZone} {p.InstanceType}",
                    od[p.InstanceType].ToString("0.0000", CultureInfo.InvariantCulture),
                    InputMean(p, input).ToString("0.0000", CultureInfo.InvariantCulture),
                    p.Points.Max(x => x.UsdPerHour).ToString("0.0000", CultureInfo.InvariantCulture),
                    Point(currentCap, [p], od, input.WindowStartMs, input.NowMs).ShareAboveCap.ToString("P1", CultureInfo.InvariantCulture),
                    Point(targetCap, [p], od, input.WindowStartMs, input.NowMs).ShareAboveCap.ToString("P1", CultureInfo.InvariantCulture),
                ]).ToList()),
        };
        var assumptions = new List<string>
        {
            "aws-facts §4.3: leaving bidPercentage empty means a max price of 100 % of On-Demand; you always pay the market price, so a lower cap only blocks launches and adds interruptions.",
            $"Pools are the harvested Spot price histories of the CE's instance types in {ce.ZonesPhrase}; pools weigh equally.",
            "The CE's Spot spend is estimated from its jobs' vCPU-hours at the pools' mean Spot price per vCPU.",
            "Changing bidPercentage or allocationStrategy is an infrastructure update; a CE on BEST_FIT needs a blue/green replacement (aws-facts §4.2).",
        };
        var severity = now.ShareAboveCap > 0.05 ? RecommendationSeverity.Warning : RecommendationSeverity.Info;
        var bucket = string.Join('|', ((int)Math.Round(now.ShareAboveCap * 20)).ToString(CultureInfo.InvariantCulture), RecommendationFingerprint.SavingsBucket(savings));
        return new Recommendation(RuleId, new RecommendationTarget(ce.Account, ce.Region, RecommendationTargetKind.ComputeEnvironment, ce.Name, ce.Arn),
            title, summary, changes, new SavingsEstimate(savings, low, high),
            pools.Sum(p => p.Points.Count) >= 20 ? RecommendationConfidence.High : RecommendationConfidence.Medium,
            severity, evidence, assumptions, bucket);
    }

    private static decimal InputMean(SpotPriceSeries pool, RecommendationInput input) =>
        RecommendationInputLoader.Stats(pool, input.WindowStartMs, input.NowMs)?.MeanUsdPerHour ?? 0m;
}
