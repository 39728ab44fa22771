using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Costs;

/// <summary>Reads what <see cref="CostLedger.Build"/> needs for one target and window, and decides each attempt's instance.</summary>
internal sealed class CostInputs
{
    /// <summary>AWS lists both; VPC instances (every Batch CE) price as "Linux/UNIX (Amazon VPC)" where it still exists.</summary>
    private static readonly string[] SpotProducts = ["Linux/UNIX (Amazon VPC)", "Linux/UNIX"];

    private readonly BatchInsightsDbContext _db;
    private readonly IInstanceCatalog _catalog;
    private readonly string _account;
    private readonly string _region;
    private readonly long _loadEnd;
    private readonly Dictionary<string, Dictionary<string, List<PriceSegment>>> _spotByType = new(StringComparer.Ordinal);

    private CostInputs(BatchInsightsDbContext db, IInstanceCatalog catalog, string account, string region, long loadEnd)
    {
        _db = db;
        _catalog = catalog;
        _account = account;
        _region = region;
        _loadEnd = loadEnd;
    }

    /// <summary>The span the instances are costed over: the window and every attempt overlapping it.</summary>
    public long ClipStartMs { get; private init; }

    public long ClipEndMs { get; private init; }

    public List<LedgerInstance> Instances { get; } = [];
    public List<PlacedAttempt> Placed { get; } = [];
    public List<LoneAttempt> Lone { get; } = [];

    public static async Task<CostInputs> LoadAsync(BatchInsightsDbContext db, IInstanceCatalog catalog, string account, string region, long windowStart, long windowEnd, long now, CancellationToken ct)
    {
        var rows = await db.Ec2Instances.AsNoTracking()
            .Where(i => i.Account == account && i.Region == region && (i.LaunchTimeMs ?? i.FirstSeenMs) < windowEnd && (i.TerminatedAtMs ?? long.MaxValue) >= windowStart)
            .ToListAsync(ct);
        rows = rows.Where(i => CostRollupService.InstanceEnd(i, now) >= windowStart).ToList();

        // Only the attempts overlapping the window are costed, each over its whole run, so the instances are costed over
        // the span of those attempts (plus the window) and every attempt running beside one of them in that span is loaded
        // too: the over-subscription scaling needs its neighbours. A long-running instance's other days are left alone.
        var span = await db.JobAttempts.AsNoTracking()
            .Where(a => a.Account == account && a.Region == region && a.StartedAtMs != null && a.StartedAtMs < windowEnd && (a.StoppedAtMs ?? long.MaxValue) >= windowStart)
            .GroupBy(_ => 1)
            .Select(g => new { Start = g.Min(a => a.StartedAtMs!.Value), End = g.Max(a => a.StoppedAtMs ?? now) })
            .FirstOrDefaultAsync(ct);
        var loadStart = Math.Min(windowStart, span?.Start ?? windowStart);
        var loadEnd = Math.Max(windowEnd, span?.End ?? windowEnd);
        var inputs = new CostInputs(db, catalog, account, region, loadEnd) { ClipStartMs = loadStart, ClipEndMs = loadEnd };

        var ces = await db.ComputeEnvironments.AsNoTracking().Where(c => c.Account == account && c.Region == region).ToListAsync(ct);
        var queues = await db.JobQueues.AsNoTracking().Where(q => q.Account == account && q.Region == region).ToListAsync(ct);
        var containers = await db.ContainerInstances.AsNoTracking().Where(c => c.Account == account && c.Region == region)
            .ToDictionaryAsync(c => c.ContainerInstanceArn, StringComparer.Ordinal, ct);
        var attempts = await (
            from a in db.JobAttempts.AsNoTracking()
            join j in db.Jobs.AsNoTracking() on new { a.Account, a.Region, a.JobId } equals new { j.Account, j.Region, j.JobId }
            where a.Account == account && a.Region == region && a.StartedAtMs != null && a.StartedAtMs < loadEnd && (a.StoppedAtMs ?? long.MaxValue) > loadStart
            select new
            {
                a.JobId, a.AttemptIndex, a.ContainerInstanceArn, Start = a.StartedAtMs!.Value, a.StoppedAtMs,
                j.QueueName, j.JobDefinitionArn, j.ShareIdentifier, j.TagsJson, j.Vcpus, j.MemoryMib, j.Gpus,
            }).ToListAsync(ct);

        var cesByArn = ces.ToDictionary(c => c.Arn, StringComparer.Ordinal);
        var queueCes = queues.ToDictionary(
            q => q.Name,
            q => q.ComputeEnvironmentOrder.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(arn => cesByArn.GetValueOrDefault(arn)).OfType<ComputeEnvironmentRow>().ToList(),
            StringComparer.Ordinal);
        var instancesById = new Dictionary<string, LedgerInstance>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var li = await inputs.FromEc2Async(row, CostRollupService.InstanceEnd(row, now), ct);
            instancesById[row.InstanceId] = li;
            inputs.Instances.Add(li);
        }

        var rebuilt = new Dictionary<string, List<(CostAttempt Attempt, CostContext Context, ContainerInstanceRow Container, ComputeEnvironmentRow? Ce)>>(StringComparer.Ordinal);
        foreach (var a in attempts)
        {
            var stop = Math.Max(a.Start, a.StoppedAtMs ?? now);
            var attempt = new CostAttempt(new AttemptKey(account, region, a.JobId, a.AttemptIndex), a.Vcpus ?? 0, a.MemoryMib ?? 0, a.Gpus ?? 0, a.Start, stop);
            var overlapsWindow = CostLedger.Overlaps(a.Start, stop, windowStart, windowEnd);
            var container = a.ContainerInstanceArn is null ? null : containers.GetValueOrDefault(a.ContainerInstanceArn);
            var instanceId = container?.Ec2InstanceId ?? container?.EstimatedInstanceId;
            var candidates = queueCes.GetValueOrDefault(a.QueueName) ?? [];
            var tags = CostRollupService.ParseTags(a.TagsJson);
            CostContext Context(string? ce) => new(ce ?? candidates.FirstOrDefault()?.Name ?? "", a.QueueName, CostLedger.DefinitionName(a.JobDefinitionArn), a.ShareIdentifier ?? "", tags);

            if (instanceId is not null && instancesById.TryGetValue(instanceId, out var known))
            {
                var linkBasis = container!.Ec2InstanceId is null ? "placement-" + (container.EstimateBasis ?? "estimated") : null;
                inputs.Placed.Add(new PlacedAttempt(attempt, Context(known.Instance.ComputeEnvironment), instanceId, linkBasis));
                continue;
            }

            var clusterCe = container is null ? null : ces.FirstOrDefault(c => c.EcsClusterArn?.EndsWith("/" + container.ClusterName, StringComparison.Ordinal) == true);
            if (instanceId is not null && (container!.InstanceType ?? container.EstimatedInstanceType) is not null)
            {
                // Neighbours outside the window are kept too: they share the rebuilt instance inside the costed span.
                var list = rebuilt.TryGetValue(instanceId, out var l) ? l : rebuilt[instanceId] = [];
                list.Add((attempt, Context(clusterCe?.Name), container, clusterCe ?? candidates.FirstOrDefault()));
                continue;
            }

            if (!overlapsWindow)
            {
                // Only loaded to complete an instance's sharing; on no loaded instance it belongs to another window.
                continue;
            }

            var fargate = candidates.FirstOrDefault(c => c.ResourceType is "FARGATE" or "FARGATE_SPOT");
            if (container is null && fargate is not null)
            {
                var spot = fargate.ResourceType == "FARGATE_SPOT";
                inputs.Lone.Add(new LoneAttempt(attempt, Context(fargate.Name), spot ? CostLifecycle.FargateSpot : CostLifecycle.Fargate, null, null, null, [],
                    spot ? FargateRates.Spot : FargateRates.OnDemand, Estimated: true, "fargate-list-price"));
                continue;
            }

            inputs.Lone.Add(await inputs.EstimateAloneAsync(attempt, Context(clusterCe?.Name), clusterCe is null ? candidates : [clusterCe], container?.InstanceType ?? container?.EstimatedInstanceType, ct));
        }

        // Jobs with no attempt record: running jobs (Batch lists an attempt once it ends) and array children known only from
        // ListJobs. Costed as estimates under attempt index -1 until their attempts arrive (the job's rows are then replaced).
        var unattempted = await db.Jobs.AsNoTracking()
            .Where(j => j.Account == account && j.Region == region && j.StartedAtMs != null && j.ArraySize == null
                && j.StartedAtMs < windowEnd && (j.StoppedAtMs ?? long.MaxValue) > windowStart
                && !db.JobAttempts.Any(a => a.Account == j.Account && a.Region == j.Region && a.JobId == j.JobId))
            .Select(j => new { j.JobId, Start = j.StartedAtMs!.Value, j.StoppedAtMs, j.QueueName, j.JobDefinitionArn, j.ShareIdentifier, j.TagsJson, j.Vcpus, j.MemoryMib, j.Gpus })
            .ToListAsync(ct);
        foreach (var j in unattempted)
        {
            var attempt = new CostAttempt(new AttemptKey(account, region, j.JobId, -1), j.Vcpus ?? 0, j.MemoryMib ?? 0, j.Gpus ?? 0, j.Start, Math.Max(j.Start, j.StoppedAtMs ?? now));
            var candidates = queueCes.GetValueOrDefault(j.QueueName) ?? [];
            var context = new CostContext(candidates.FirstOrDefault()?.Name ?? "", j.QueueName, CostLedger.DefinitionName(j.JobDefinitionArn), j.ShareIdentifier ?? "", CostRollupService.ParseTags(j.TagsJson));
            var fargate = candidates.FirstOrDefault(c => c.ResourceType is "FARGATE" or "FARGATE_SPOT");
            if (fargate is not null)
            {
                var spot = fargate.ResourceType == "FARGATE_SPOT";
                inputs.Lone.Add(new LoneAttempt(attempt, context with { ComputeEnvironment = fargate.Name }, spot ? CostLifecycle.FargateSpot : CostLifecycle.Fargate, null, null, null, [],
                    spot ? FargateRates.Spot : FargateRates.OnDemand, Estimated: true, "fargate-list-price"));
            }
            else
            {
                var lone = await inputs.EstimateAloneAsync(attempt, context, candidates, null, ct);
                inputs.Lone.Add(lone with { EstimateBasis = "no-attempt-record+" + lone.EstimateBasis });
            }
        }

        // A rebuilt instance lives from its first attempt to its last, wherever they fall: the same interval whichever
        // window is costed, so its idle gaps do not depend on how a run is sliced.
        var spans = new Dictionary<string, (long Start, long End)>(StringComparer.Ordinal);
        var wanted = rebuilt.Where(r => r.Value.Any(x => CostLedger.Overlaps(x.Attempt.StartMs, x.Attempt.StopMs, windowStart, windowEnd))).Select(r => r.Key).ToList();
        foreach (var chunk in wanted.Chunk(500))
        {
            var found = await (
                from a in db.JobAttempts.AsNoTracking()
                join c in db.ContainerInstances.AsNoTracking() on new { a.Account, a.Region, Arn = a.ContainerInstanceArn! } equals new { c.Account, c.Region, Arn = c.ContainerInstanceArn }
                where a.Account == account && a.Region == region && a.StartedAtMs != null && chunk.Contains(c.Ec2InstanceId ?? c.EstimatedInstanceId)
                group a by c.Ec2InstanceId ?? c.EstimatedInstanceId into g
                select new { Id = g.Key, Start = g.Min(a => a.StartedAtMs!.Value), End = g.Max(a => a.StoppedAtMs ?? now) }).ToListAsync(ct);
            foreach (var f in found)
            {
                spans[f.Id!] = (f.Start, f.End);
            }
        }

        foreach (var id in wanted)
        {
            var list = rebuilt[id];
            var first = list[0];
            var type = first.Container.InstanceType ?? first.Container.EstimatedInstanceType!;
            var az = first.Container.AvailabilityZone ?? first.Container.EstimatedAvailabilityZone;
            var lifecycle = first.Ce?.ResourceType == "SPOT" ? CostLifecycle.Spot : CostLifecycle.OnDemand;
            var startMs = list.Min(x => x.Attempt.StartMs);
            var endMs = list.Max(x => x.Attempt.StopMs);
            if (spans.TryGetValue(id, out var whole))
            {
                startMs = Math.Min(startMs, whole.Start);
                endMs = Math.Max(endMs, whole.End);
            }

            var (prices, _) = await inputs.PricesAsync(type, az, lifecycle, startMs, ct);
            var instance = new CostInstance(id, type, az, lifecycle, first.Ce?.Name, startMs, endMs, inputs.CapacityOf(type), prices, Estimated: true);
            inputs.Instances.Add(new LedgerInstance(instance, "instance-rebuilt-from-attempts"));
            inputs.Placed.AddRange(list.Select(x => new PlacedAttempt(x.Attempt, x.Context, id)));
        }

        return inputs;
    }

    private async Task<LedgerInstance> FromEc2Async(Ec2InstanceRow row, long end, CancellationToken ct)
    {
        var start = row.LaunchTimeMs ?? row.FirstSeenMs;
        var (prices, basis) = await PricesAsync(row.InstanceType, row.AvailabilityZone, row.Lifecycle, start, ct);
        var capacity = CapacityOf(row.InstanceType);
        if (capacity.Vcpus <= 0)
        {
            basis ??= "type-not-in-catalog";
        }

        var instance = new CostInstance(row.InstanceId, row.InstanceType, row.AvailabilityZone, row.Lifecycle == CostLifecycle.Spot ? CostLifecycle.Spot : CostLifecycle.OnDemand,
            row.ComputeEnvironmentName, start, end, capacity, prices, Estimated: basis is not null);
        return new LedgerInstance(instance, basis);
    }

    /// <summary>The CE's cheapest allowed type that fits the job (by On-Demand price), its price in effect, the share rule.</summary>
    private async Task<LoneAttempt> EstimateAloneAsync(CostAttempt attempt, CostContext context, IReadOnlyList<ComputeEnvironmentRow> ces, string? knownType, CancellationToken ct)
    {
        var ce = ces.FirstOrDefault(c => c.ResourceType is not ("FARGATE" or "FARGATE_SPOT"));
        var type = knownType;
        var basis = knownType is null ? "ce-cheapest-fitting-type" : "container-instance-type";
        if (type is null && ce is not null)
        {
            type = CandidateInstanceTypes.FromStored([ce.InstanceTypes], _catalog)
                .Select(t => _catalog.TryGet(t, out var spec) ? spec : null).OfType<Aws.InstanceTypeSnapshot>()
                .Where(s => s.Vcpus >= attempt.Vcpus && s.MemoryMib >= attempt.MemoryMib && s.Gpus >= attempt.Gpus)
                .Select(s => (s.Name, Price: _catalog.OnDemandPrice(s.Name, _region)?.UsdPerHour))
                .Where(x => x.Price is not null)
                .OrderBy(x => x.Price).ThenBy(x => x.Name, StringComparer.Ordinal)
                .Select(x => x.Name).FirstOrDefault();
        }

        var lifecycle = ce?.ResourceType == "SPOT" ? CostLifecycle.Spot : CostLifecycle.OnDemand;
        if (type is null)
        {
            return new LoneAttempt(attempt, context with { ComputeEnvironment = ce?.Name ?? context.ComputeEnvironment }, lifecycle, null, null, null, [], null, Estimated: true, "no-fitting-type");
        }

        var (prices, priceBasis) = await PricesAsync(type, null, lifecycle, attempt.StartMs, ct);
        return new LoneAttempt(attempt, context with { ComputeEnvironment = ce?.Name ?? context.ComputeEnvironment }, lifecycle, type, null, CapacityOf(type), prices, null,
            Estimated: true, priceBasis is null ? basis : basis + "+" + priceBasis);
    }

    private Capacity CapacityOf(string type) =>
        _catalog.TryGet(type, out var s) ? new Capacity(s.Vcpus, s.MemoryMib, s.Gpus) : new Capacity(0, 0, 0);

    /// <summary>Spot: the pool's history (the AZ's, or the cheapest AZ at <paramref name="fromMs"/> when the AZ is unknown); else On-Demand.</summary>
    private async Task<(IReadOnlyList<PriceSegment> Prices, string? EstimateBasis)> PricesAsync(string type, string? az, string lifecycle, long fromMs, CancellationToken ct)
    {
        if (lifecycle == CostLifecycle.Spot)
        {
            var pools = await SpotHistoryAsync(type, ct);
            if (az is not null && pools.TryGetValue(az, out var history))
            {
                return (history, null);
            }

            if (pools.Count > 0)
            {
                var cheapest = pools.OrderBy(p => CostAttribution.PriceAt(p.Value, fromMs)).ThenBy(p => p.Key, StringComparer.Ordinal).First();
                return (cheapest.Value, "spot-price-of-cheapest-az");
            }
        }

        var od = _catalog.OnDemandPrice(type, _region);
        if (od is null)
        {
            return ([], "no-price");
        }

        var basis = lifecycle == CostLifecycle.Spot ? "no-spot-history-on-demand-price" : od.PricedRegion != _region ? "on-demand-price-of-" + od.PricedRegion : null;
        return ([new PriceSegment(long.MinValue, od.UsdPerHour)], basis);
    }

    private async Task<Dictionary<string, List<PriceSegment>>> SpotHistoryAsync(string type, CancellationToken ct)
    {
        if (_spotByType.TryGetValue(type, out var cached))
        {
            return cached;
        }

        var rows = await _db.SpotPriceChanges.AsNoTracking()
            .Where(s => s.Account == _account && s.Region == _region && s.InstanceType == type && SpotProducts.Contains(s.ProductDescription) && s.TimestampMs < _loadEnd)
            .OrderBy(s => s.TimestampMs)
            .Select(s => new { s.AvailabilityZone, s.ProductDescription, s.TimestampMs, s.PriceMicroUsd })
            .ToListAsync(ct);
        var byAz = new Dictionary<string, List<PriceSegment>>(StringComparer.Ordinal);
        foreach (var pool in rows.GroupBy(r => r.AvailabilityZone, StringComparer.Ordinal))
        {
            // Prefer the VPC product when the pool has it; both describe the same Linux price.
            var product = SpotProducts.First(p => pool.Any(r => r.ProductDescription == p));
            byAz[pool.Key] = pool.Where(r => r.ProductDescription == product).Select(r => new PriceSegment(r.TimestampMs, r.PriceMicroUsd / 1_000_000m)).ToList();
        }

        _spotByType[type] = byAz;
        return byAz;
    }
}
