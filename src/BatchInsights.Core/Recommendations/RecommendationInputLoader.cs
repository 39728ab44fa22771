using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Networking;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Recommendations;

/// <summary>
/// Builds the one <see cref="RecommendationInput"/> every rule reads, from the harvested database and the catalog.
/// The only class of this feature that does I/O. Reads project to small records with AsNoTracking.
/// </summary>
public sealed class RecommendationInputLoader(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    IInstanceCatalog catalog,
    TimeProvider timeProvider)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(14);

    public async Task<RecommendationInput> LoadAsync(RecommendationSettings settings, TimeSpan? window = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var nowMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var fromMs = nowMs - (long)(window ?? DefaultWindow).TotalMilliseconds;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        var ces = (await db.ComputeEnvironments.AsNoTracking().ToListAsync(cancellationToken))
            .Select(c => new ComputeEnvironmentConfig(
                c.Account, c.Region, c.Arn, c.Name, c.Type, c.ResourceType, c.State, c.Status, SplitList(c.InstanceTypes),
                c.AllocationStrategy, c.BidPercentage, c.MinvCpus, c.MaxvCpus, c.DesiredvCpus, SplitList(c.Subnets), c.StatusReason))
            .OrderBy(c => c.Account, StringComparer.Ordinal).ThenBy(c => c.Region, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        // Each CE's AZs from its harvested subnets (only when every subnet is known: a missing one could be in any AZ).
        // The subnets are read once, here: the network path facts (LoadVpcsAsync) use them too.
        var subnets = await db.NetworkSubnets.AsNoTracking().ToListAsync(cancellationToken);
        var zoneBySubnet = subnets.ToDictionary(s => (s.Account, s.Region, s.SubnetId), s => s.AvailabilityZone);
        ces = ces.Select(c => c.Subnets.Count > 0 && c.Subnets.All(id => zoneBySubnet.ContainsKey((c.Account, c.Region, id)))
                ? c with { AvailabilityZones = c.Subnets.Select(id => zoneBySubnet[(c.Account, c.Region, id)]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() }
                : c)
            .ToList();
        var ceNameByArn = ces.GroupBy(c => c.Arn, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);

        // The hot read (a million jobs, each with the container instance of its latest placed attempt) goes through raw
        // ADO.NET on its own connection while the other reads run on this one: EF materialisation and the attempt →
        // container instance → EC2 instance join (on Ec2InstanceId ?? EstimatedInstanceId, which no index serves) cost
        // more than the rest of the recommender. The instance side is small: it is resolved in memory.
        var ceByContainerInstance = await LoadContainerInstanceCesAsync(db, new StringPool(), cancellationToken);
        // A job with no known placement counts on its queue's first CE.
        var queueRows = await db.JobQueues.AsNoTracking().ToListAsync(cancellationToken);
        var ceOrderByQueue = queueRows.ToDictionary(q => (q.Account, q.Region, q.Name),
            q => SplitList(q.ComputeEnvironmentOrder).Select(a => ceNameByArn.TryGetValue(a, out var n) ? n : NameFromArn(a)).ToList());
        var firstCe = ceOrderByQueue.Where(q => q.Value.Count > 0).ToDictionary(q => q.Key, q => q.Value[0]);
        // Two halves of the window (by stop time) on two connections: the scan is CPU-bound per row on this side.
        var midMs = fromMs + ((nowMs - fromMs) / 2);
        async Task<(List<ObservedJob> Jobs, HashSet<(string, string, string)> MnpQueues)> Part(long stoppedFromMs, long stoppedToMs, bool mnp)
        {
            await using var jobsDb = await dbFactory.CreateDbContextAsync(cancellationToken);
            return await LoadJobsAsync(jobsDb, fromMs, stoppedFromMs, stoppedToMs, mnp, ceByContainerInstance, firstCe, new StringPool(), cancellationToken);
        }

        var early = Task.Run(() => Part(fromMs, midMs, mnp: false), cancellationToken);
        var late = Task.Run(() => Part(midMs, long.MaxValue, mnp: true), cancellationToken);
        var jobsTask = CombineAsync(early, late);
        try
        {
            return await LoadRestAsync(db, settings, nowMs, fromMs, ces, subnets, queueRows, ceOrderByQueue, firstCe, ceByContainerInstance, jobsTask, cancellationToken);
        }
        finally
        {
            // Never leave the jobs read running on a context of its own when this one failed.
            await Task.WhenAny(jobsTask);
        }
    }

    private static async Task<(List<ObservedJob> Jobs, HashSet<(string, string, string)> MnpQueues)> CombineAsync(
        Task<(List<ObservedJob> Jobs, HashSet<(string, string, string)> MnpQueues)> first, Task<(List<ObservedJob> Jobs, HashSet<(string, string, string)> MnpQueues)> second)
    {
        try
        {
            var (jobs, mnp) = await first;
            var (more, moreMnp) = await second;
            var all = new List<ObservedJob>(jobs.Count + more.Count);
            all.AddRange(jobs);
            all.AddRange(more);
            mnp.UnionWith(moreMnp);
            return (all, mnp);
        }
        finally
        {
            await Task.WhenAll(Task.WhenAny(first), Task.WhenAny(second));
        }
    }

    private async Task<RecommendationInput> LoadRestAsync(BatchInsightsDbContext db, RecommendationSettings settings, long nowMs, long fromMs,
        List<ComputeEnvironmentConfig> ces, List<NetworkSubnetRow> subnets, List<JobQueueRow> queueRows, Dictionary<(string, string, string), List<string>> ceOrderByQueue,
        Dictionary<(string, string, string), string> firstCe, Dictionary<(string, string, string), string> ceByContainerInstance,
        Task<(List<ObservedJob> Jobs, HashSet<(string, string, string)> MnpQueues)> jobsTask, CancellationToken cancellationToken)
    {
        var series = await LoadSpotSeriesAsync(db, fromMs, nowMs, cancellationToken);
        var offers = BuildOffers(catalog, ces.Select(c => c.Region).Distinct(StringComparer.Ordinal), series, fromMs, nowMs);

        var network = (await db.ComputeEnvironmentNetworks.AsNoTracking().ToListAsync(cancellationToken))
            .Select(n => new NetworkFact(n.Account, n.Region, n.ComputeEnvironmentName, n.VpcId, n.Path, SplitList(n.MissingEndpoints))).ToList();

        var stuck = (await db.Jobs.AsNoTracking().Where(j => j.Status == "RUNNABLE" && j.ArraySize == null)
            .Select(j => new { j.Account, j.Region, j.QueueName, j.JobId, j.JobDefinitionArn, j.Vcpus, j.MemoryMib, j.Gpus, j.CreatedAtMs })
            .ToListAsync(cancellationToken))
            .Select(j => new StuckJobFact(j.Account, j.Region, j.QueueName, j.JobId, DefinitionName(j.JobDefinitionArn), j.Vcpus ?? 0, j.MemoryMib ?? 0, j.Gpus ?? 0, j.CreatedAtMs))
            .ToList();

        var failedAttempts = await (
            from a in db.JobAttempts.AsNoTracking()
            where a.StoppedAtMs >= fromMs && (a.ExitCode == null || a.ExitCode != 0)
            join j in db.Jobs.AsNoTracking() on new { a.Account, a.Region, a.JobId } equals new { j.Account, j.Region, j.JobId }
            join c in db.AttemptCosts.AsNoTracking() on new { a.Account, a.Region, a.JobId, a.AttemptIndex } equals new { c.Account, c.Region, c.JobId, c.AttemptIndex } into costs
            from c in costs.DefaultIfEmpty()
            select new
            {
                a.Account, a.Region, j.QueueName, j.JobDefinitionArn, j.MemoryMib, a.ExitCode, a.StatusReason, a.Reason,
                CostMicroUsd = c == null ? 0L : c.CostMicroUsd,
            }).ToListAsync(cancellationToken);
        var failures = failedAttempts
            .GroupBy(f => (f.Account, f.Region, f.QueueName, Definition: DefinitionName(f.JobDefinitionArn), Cause: FailureCause(f.ExitCode, f.StatusReason, f.Reason)))
            .Select(g => new FailureFact(g.Key.Account, g.Key.Region, g.Key.QueueName, g.Key.Cause, g.Count(), g.Sum(f => f.CostMicroUsd) / 1_000_000m,
                g.Key.Definition, g.Max(f => f.MemoryMib ?? 0)))
            .OrderBy(f => f.Queue, StringComparer.Ordinal).ThenBy(f => f.Cause, StringComparer.Ordinal).ThenBy(f => f.JobDefinition, StringComparer.Ordinal).ToList();

        var vpcs = await LoadVpcsAsync(db, ces, subnets, nowMs, fromMs, cancellationToken);
        var definitionCosts = await LoadDefinitionCostsAsync(db, fromMs, cancellationToken);
        var (jobs, mnpQueues) = await jobsTask;
        var queues = queueRows
            .Select(q => new QueueConfig(q.Account, q.Region, q.Name, q.State, q.Priority, ceOrderByQueue[(q.Account, q.Region, q.Name)],
                mnpQueues.Contains((q.Account, q.Region, q.Name)), q.StatusReason))
            .OrderBy(q => q.Name, StringComparer.Ordinal).ToList();

        // vCPUs in use per CE now (jobs RUNNING or STARTING): with waiting jobs, a CE at maxvCpus explains the wait.
        var running = await db.Jobs.AsNoTracking().Where(j => (j.Status == "RUNNING" || j.Status == "STARTING") && j.ArraySize == null)
            .Select(j => new
            {
                j.Account, j.Region, j.QueueName, j.Vcpus, j.NumNodes,
                Arn = db.JobAttempts.Where(a => a.Account == j.Account && a.Region == j.Region && a.JobId == j.JobId && a.ContainerInstanceArn != null && a.StartedAtMs >= fromMs)
                    .OrderByDescending(a => a.AttemptIndex).Select(a => a.ContainerInstanceArn).FirstOrDefault(),
            }).ToListAsync(cancellationToken);
        var runningVcpus = new Dictionary<(string, string, string), double>();
        foreach (var j in running)
        {
            var ce = j.Arn is not null && ceByContainerInstance.TryGetValue((j.Account, j.Region, j.Arn), out var placed) ? placed
                : firstCe.TryGetValue((j.Account, j.Region, j.QueueName), out var first) ? first : "";
            runningVcpus[(j.Account, j.Region, ce)] = runningVcpus.GetValueOrDefault((j.Account, j.Region, ce)) + ((j.Vcpus ?? 0) * Math.Max(1, j.NumNodes ?? 1));
        }

        ces = ces.Select(c => runningVcpus.TryGetValue((c.Account, c.Region, c.Name), out var v) ? c with { RunningVcpus = v } : c).ToList();

        return new RecommendationInput(nowMs, fromMs, ces, queues, jobs, offers, series, network, stuck, failures, settings, definitionCosts) { Vpcs = vpcs };
    }

    /// <summary>(account, region, container instance ARN) → the CE whose EC2 instance it is (mapped or estimated instance).</summary>
    private static async Task<Dictionary<(string, string, string), string>> LoadContainerInstanceCesAsync(
        BatchInsightsDbContext db, StringPool names, CancellationToken cancellationToken)
    {
        var instances = (await db.Ec2Instances.AsNoTracking().Where(i => i.ComputeEnvironmentName != null)
                .Select(i => new { i.Account, i.Region, i.InstanceId, Ce = i.ComputeEnvironmentName! }).ToListAsync(cancellationToken))
            .GroupBy(i => (i.Account, i.Region, i.InstanceId)).ToDictionary(g => g.Key, g => g.First().Ce);
        var containerInstances = await db.ContainerInstances.AsNoTracking()
            .Select(ci => new { ci.Account, ci.Region, ci.ContainerInstanceArn, Id = ci.Ec2InstanceId ?? ci.EstimatedInstanceId }).ToListAsync(cancellationToken);
        var result = new Dictionary<(string, string, string), string>();
        foreach (var ci in containerInstances)
        {
            if (ci.Id is not null && instances.TryGetValue((ci.Account, ci.Region, ci.Id), out var ce))
            {
                result[(names.Get(ci.Account), names.Get(ci.Region), ci.ContainerInstanceArn)] = names.Get(ce);
            }
        }

        return result;
    }

    /// <summary>
    /// One scan of the jobs table: the finished, non-array-parent jobs that stopped in [stoppedFrom, stoppedTo) on the CE they were placed on
    /// (else their queue's first CE)
    /// (strings shared through
    /// <paramref name="names"/>, so a million rows hold a handful of queue/definition strings) and the queues that ever
    /// ran a multi-node parallel job (when <paramref name="multiNode"/>).
    /// </summary>
    private static async Task<(List<ObservedJob> Jobs, HashSet<(string, string, string)> MnpQueues)> LoadJobsAsync(
        BatchInsightsDbContext db, long fromMs, long stoppedFromMs, long stoppedToMs, bool multiNode, Dictionary<(string, string, string), string> ceByContainerInstance,
        Dictionary<(string, string, string), string> firstCe, StringPool names, CancellationToken cancellationToken)
    {
        var jobs = new List<ObservedJob>();
        var mnpQueues = new HashSet<(string, string, string)>();
        var definitionNames = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var command = await CreateCommandAsync(db, """
            SELECT j."Account", j."Region", j."ContainerInstanceArn", j."QueueName", j."JobDefinitionArn", j."Vcpus", j."MemoryMib", j."Gpus", j."NumNodes",
                j."StartedAtMs", j."StoppedAtMs", j."InWindow"
            FROM (
                SELECT "Account", "Region", "QueueName", "JobDefinitionArn", "Vcpus", "MemoryMib", "Gpus", "NumNodes", "StartedAtMs", "StoppedAtMs",
                    CASE WHEN "StartedAtMs" IS NOT NULL AND "StoppedAtMs" IS NOT NULL AND "StoppedAtMs" >= @stoppedFrom AND "StoppedAtMs" < @stoppedTo
                        AND "ArraySize" IS NULL THEN 1 ELSE 0 END AS "InWindow",
                    (SELECT a."ContainerInstanceArn" FROM "job_attempts" a
                     WHERE a."Account" = jobs."Account" AND a."Region" = jobs."Region" AND a."JobId" = jobs."JobId"
                       AND a."ContainerInstanceArn" IS NOT NULL AND a."StartedAtMs" >= @from
                     ORDER BY a."AttemptIndex" DESC LIMIT 1) AS "ContainerInstanceArn"
                FROM "jobs"
                WHERE ("StartedAtMs" IS NOT NULL AND "StoppedAtMs" IS NOT NULL AND "StoppedAtMs" >= @stoppedFrom AND "StoppedAtMs" < @stoppedTo AND "ArraySize" IS NULL)
                    OR ("NumNodes" > 1 AND @multiNode = 1)) j
            """, fromMs, cancellationToken);
        AddParameter(command, "@stoppedFrom", stoppedFromMs);
        AddParameter(command, "@stoppedTo", stoppedToMs);
        AddParameter(command, "@multiNode", multiNode ? 1 : 0);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var account = names.Get(reader.GetString(0));
            var region = names.Get(reader.GetString(1));
            var queue = names.Get(reader.GetString(3));
            var nodes = reader.IsDBNull(8) ? 1 : Math.Max(1, reader.GetInt32(8));
            if (nodes > 1)
            {
                mnpQueues.Add((account, region, queue));
            }

            if (reader.GetInt32(11) == 0)
            {
                continue;
            }

            string? definition = null;
            if (!reader.IsDBNull(4))
            {
                var arn = reader.GetString(4);
                if (!definitionNames.TryGetValue(arn, out definition))
                {
                    definition = DefinitionName(arn) is { } name ? names.Get(name) : null;
                    definitionNames[arn] = definition;
                }
            }

            // The latest attempt of the window on a known container instance: the CE of that instance.
            var ce = !reader.IsDBNull(2) && ceByContainerInstance.TryGetValue((account, region, reader.GetString(2)), out var placed) ? placed
                : firstCe.TryGetValue((account, region, queue), out var first) ? first : "";
            jobs.Add(new ObservedJob(account, region, queue, ce, definition,
                reader.IsDBNull(5) ? 0 : reader.GetDouble(5), reader.IsDBNull(6) ? 0 : reader.GetInt64(6), reader.IsDBNull(7) ? 0 : reader.GetInt32(7),
                nodes, reader.GetInt64(9), reader.GetInt64(10)));
        }

        return (jobs, mnpQueues);
    }

    private static async Task<System.Data.Common.DbCommand> CreateCommandAsync(BatchInsightsDbContext db, string sql, long fromMs, CancellationToken cancellationToken)
    {
        // Plain SQL with quoted identifiers and an @-parameter: the same text runs on SQLite and PostgreSQL (Npgsql accepts @name).
        await db.Database.OpenConnectionAsync(cancellationToken);
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        AddParameter(command, "@from", fromMs);
        return command;
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, long value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Hands out one instance per distinct string, so a million rows share a few queue, account and CE names.</summary>
    private sealed class StringPool
    {
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

        public string Get(string value)
        {
            if (_strings.TryGetValue(value, out var known))
            {
                return known;
            }

            _strings[value] = value;
            return value;
        }
    }

    /// <summary>
    /// Per VPC of the harvested EC2 CEs (from the network harvest): the AZs of the CEs' subnets, the NAT gateways and
    /// NAT instances those subnets route to, NAT bytes over the last 30 days as a 30-day month, the VPC's endpoints and
    /// the CEs' instance launches in the window as launches per month.
    /// </summary>
    private static async Task<List<VpcFact>> LoadVpcsAsync(BatchInsightsDbContext db, List<ComputeEnvironmentConfig> ces, List<NetworkSubnetRow> subnets,
        long nowMs, long fromMs, CancellationToken cancellationToken)
    {
        var verdicts = await db.ComputeEnvironmentNetworks.AsNoTracking().Where(n => n.VpcId != null).ToListAsync(cancellationToken);
        if (verdicts.Count == 0)
        {
            return [];
        }

        var nats = await db.NetworkNatGateways.AsNoTracking().ToListAsync(cancellationToken);
        var endpoints = await db.NetworkEndpoints.AsNoTracking().ToListAsync(cancellationToken);
        // The harvest reads 30 days of NAT metrics (NetworkHarvester.MetricsWindow); the same window makes "a month".
        var bytesFromMs = nowMs - (long)NetworkHarvester.MetricsWindow.TotalMilliseconds;
        var bytes = await db.NatGatewayDailyBytes.AsNoTracking().Where(b => b.DayMs >= bytesFromMs).ToListAsync(cancellationToken);
        var launches = await db.Ec2Instances.AsNoTracking()
            .Where(i => i.ComputeEnvironmentName != null && i.LaunchTimeMs >= fromMs && i.LaunchTimeMs <= nowMs)
            .GroupBy(i => new { i.Account, i.Region, i.ComputeEnvironmentName })
            .Select(g => new { g.Key.Account, g.Key.Region, Ce = g.Key.ComputeEnvironmentName!, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var monthlyFactor = 30.0 * 86_400_000 / Math.Max(3_600_000, nowMs - fromMs);

        var result = new List<VpcFact>();
        foreach (var vpc in verdicts.GroupBy(v => (v.Account, v.Region, VpcId: v.VpcId!)).OrderBy(g => g.Key.Account, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Region, StringComparer.Ordinal).ThenBy(g => g.Key.VpcId, StringComparer.Ordinal))
        {
            var (account, region, vpcId) = vpc.Key;
            var ceNames = vpc.Select(v => v.ComputeEnvironmentName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var ceSubnetIds = ces.Where(c => c.Account == account && c.Region == region && ceNames.Contains(c.Name))
                .SelectMany(c => c.Subnets).ToHashSet(StringComparer.Ordinal);
            var ceSubnets = subnets.Where(s => s.Account == account && s.Region == region && s.VpcId == vpcId && ceSubnetIds.Contains(s.SubnetId)).ToList();
            var routedNats = ceSubnets.Where(s => s.DefaultRouteKind == NetworkPathAnalyzer.RouteNatGateway && s.DefaultRouteTarget is not null)
                .Select(s => s.DefaultRouteTarget!).ToHashSet(StringComparer.Ordinal);
            var natFacts = nats.Where(n => n.Account == account && n.Region == region && routedNats.Contains(n.NatGatewayId))
                .OrderBy(n => n.AvailabilityZone, StringComparer.Ordinal).ThenBy(n => n.NatGatewayId, StringComparer.Ordinal)
                .Select(n =>
                {
                    var days = bytes.Where(b => b.Account == account && b.Region == region && b.NatGatewayId == n.NatGatewayId).ToList();
                    // As the Networking page: NAT bills processing in both directions (BytesInFromSource + BytesInFromDestination).
                    var gb = days.Sum(d => (decimal)d.BytesInFromSource + d.BytesInFromDestination) / NetworkPrices.BytesPerGb;
                    decimal? monthly = days.Count == 0 ? null : decimal.Round(gb * 30m / Math.Min(30, days.Count), 3);
                    return new NatGatewayFact(n.NatGatewayId, n.AvailabilityZone, n.State, monthly, days.Count);
                }).ToList();
            var natInstances = ceSubnets.Where(s => s.DefaultRouteKind == NetworkPathAnalyzer.RouteNatInstance && s.DefaultRouteTarget is not null)
                .Select(s => s.DefaultRouteTarget!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var endpointFacts = endpoints.Where(e => e.Account == account && e.Region == region && e.VpcId == vpcId)
                .Select(e => new EndpointFact(NetworkPathAnalyzer.ServiceSuffix(e.ServiceName, region), e.Type, e.State, SplitList(e.AvailabilityZones)))
                .OrderBy(e => e.Service, StringComparer.Ordinal).ToList();
            var launchCount = launches.Where(l => l.Account == account && l.Region == region && ceNames.Contains(l.Ce)).Sum(l => l.Count);
            result.Add(new VpcFact(account, region, vpcId, ceNames,
                ceSubnets.Select(s => s.AvailabilityZone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                natFacts, natInstances, endpointFacts, Math.Round(launchCount * monthlyFactor, 1)));
        }

        return result;
    }

    /// <summary>
    /// What each job definition's attempts cost in the window (the cost roll-up's attribution; empty until it has run),
    /// plus its share of its CEs' idle cost in proportion to its attributed cost there.
    /// </summary>
    private static async Task<List<DefinitionCostFact>> LoadDefinitionCostsAsync(BatchInsightsDbContext db, long fromMs, CancellationToken cancellationToken)
    {
        var byCe = await db.AttemptCosts.AsNoTracking().Where(c => c.StoppedAtMs >= fromMs && c.JobDefinition != "")
            .GroupBy(c => new { c.Account, c.Region, c.JobDefinition, c.ComputeEnvironment })
            .Select(g => new
            {
                g.Key.Account, g.Key.Region, g.Key.JobDefinition, g.Key.ComputeEnvironment, Attempts = g.Count(), Micro = g.Sum(c => c.CostMicroUsd),
                EstimatedMicro = g.Sum(c => c.Estimated ? c.CostMicroUsd : 0L),
            })
            .ToListAsync(cancellationToken);
        // Each tag key is a complete copy of the roll-ups: read the idle rows of one of them.
        var view = await db.CostRollups.AsNoTracking().Where(r => r.IsIdle && r.PeriodHours == 1).Select(r => r.TagKey).OrderBy(k => k).FirstOrDefaultAsync(cancellationToken);
        var idle = view is null ? [] : (await db.CostRollups.AsNoTracking()
                .Where(r => r.IsIdle && r.PeriodHours == 1 && r.TagKey == view && r.PeriodStartMs >= fromMs)
                .GroupBy(r => new { r.Account, r.Region, r.ComputeEnvironment })
                .Select(g => new { g.Key.Account, g.Key.Region, g.Key.ComputeEnvironment, Micro = g.Sum(r => r.CostMicroUsd) })
                .ToListAsync(cancellationToken))
            .ToDictionary(i => (i.Account, i.Region, i.ComputeEnvironment), i => i.Micro);
        var ceTotals = byCe.GroupBy(c => (c.Account, c.Region, c.ComputeEnvironment)).ToDictionary(g => g.Key, g => g.Sum(c => c.Micro));
        return byCe.GroupBy(c => (c.Account, c.Region, c.JobDefinition))
            .Select(g =>
            {
                decimal idleShare = 0;
                foreach (var c in g)
                {
                    var key = (c.Account, c.Region, c.ComputeEnvironment);
                    if (idle.TryGetValue(key, out var ceIdle) && ceTotals[key] > 0)
                    {
                        idleShare += ceIdle * (decimal)c.Micro / ceTotals[key];
                    }
                }

                return new DefinitionCostFact(g.Key.Account, g.Key.Region, g.Key.JobDefinition, g.Sum(c => c.Attempts), g.Sum(c => c.Micro) / 1_000_000m,
                    g.Sum(c => c.EstimatedMicro) / 1_000_000m, decimal.Round(idleShare / 1_000_000m, 6));
            })
            .OrderBy(d => d.JobDefinition, StringComparer.Ordinal).ToList();
    }

    private static async Task<List<SpotPriceSeries>> LoadSpotSeriesAsync(BatchInsightsDbContext db, long fromMs, long nowMs, CancellationToken cancellationToken)
    {
        // Linux only (Batch runs the ECS-optimized Linux AMI). The last change before the window is the price in effect at its start.
        var rows = await db.SpotPriceChanges.AsNoTracking()
            .Where(r => r.TimestampMs <= nowMs && r.ProductDescription.StartsWith("Linux/UNIX"))
            .Select(r => new { r.Account, r.Region, r.AvailabilityZone, r.InstanceType, r.ProductDescription, r.TimestampMs, r.PriceMicroUsd })
            .ToListAsync(cancellationToken);
        var result = new List<SpotPriceSeries>();
        foreach (var pool in rows.GroupBy(r => (r.Account, r.Region, r.AvailabilityZone, r.InstanceType)))
        {
            // Both "Linux/UNIX" and "(Amazon VPC)" may be harvested for a pool: prefer the plain product, AWS's current name.
            var product = pool.Any(r => r.ProductDescription == "Linux/UNIX") ? "Linux/UNIX" : pool.First().ProductDescription;
            var ordered = pool.Where(r => r.ProductDescription == product).OrderBy(r => r.TimestampMs).ToList();
            var start = ordered.FindLastIndex(r => r.TimestampMs <= fromMs);
            var points = ordered.Skip(Math.Max(0, start)).Select(r => new SpotPricePoint(r.TimestampMs, r.PriceMicroUsd / 1_000_000m)).ToList();
            result.Add(new SpotPriceSeries(pool.Key.Account, pool.Key.Region, pool.Key.AvailabilityZone, pool.Key.InstanceType, points));
        }

        return result.OrderBy(s => s.Region, StringComparer.Ordinal).ThenBy(s => s.InstanceType, StringComparer.Ordinal)
            .ThenBy(s => s.AvailabilityZone, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every catalog type per region with its On-Demand price, the AZs offering it (when read) and the Spot statistics of its harvested pools.</summary>
    public static List<InstanceOffer> BuildOffers(IInstanceCatalog catalog, IEnumerable<string> regions, IReadOnlyList<SpotPriceSeries> series, long fromMs, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(series);
        var spotByRegionType = series.GroupBy(s => (s.Region, s.InstanceType))
            .ToDictionary(g => g.Key, g => g.Select(s => Stats(s, fromMs, nowMs)).Where(s => s is not null).Select(s => s!).ToList());
        var offers = new List<InstanceOffer>();
        foreach (var region in regions.Order(StringComparer.Ordinal))
        {
            foreach (var t in catalog.All.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                offers.Add(new InstanceOffer(region, t.Name, t.Family, t.Vcpus, t.MemoryMib, t.Gpus, t.Architectures, t.CurrentGeneration, t.Burstable, t.BareMetal,
                    catalog.OnDemandPrice(t.Name, region)?.UsdPerHour,
                    spotByRegionType.TryGetValue((region, t.Name), out var spot) ? spot : [])
                {
                    GpuModel = t.GpuModel,
                    OfferedZones = catalog.OfferedZones(t.Name, region),
                });
            }
        }

        return offers;
    }

    /// <summary>Time-weighted statistics of a pool over [from, now); null when the series has no point in it.</summary>
    public static SpotPoolStats? Stats(SpotPriceSeries series, long fromMs, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Points.Count == 0)
        {
            return null;
        }

        decimal weighted = 0;
        long total = 0;
        for (var i = 0; i < series.Points.Count; i++)
        {
            var start = Math.Max(series.Points[i].TimestampMs, fromMs);
            var end = i + 1 < series.Points.Count ? Math.Min(series.Points[i + 1].TimestampMs, nowMs) : nowMs;
            if (end > start)
            {
                weighted += series.Points[i].UsdPerHour * (end - start);
                total += end - start;
            }
        }

        var prices = series.Points.Select(p => p.UsdPerHour).ToList();
        var mean = total > 0 ? weighted / total : prices[^1];
        return new SpotPoolStats(series.AvailabilityZone, decimal.Round(mean, 6), prices.Min(), prices.Max(), prices[^1]);
    }

    /// <summary>The buckets of <see cref="FailureCause"/> with the label every page and report shows, in display order.</summary>
    public static readonly IReadOnlyList<(string Cause, string Label)> FailureCauses =
    [
        ("spot-reclaim", "Spot reclaim"),
        ("oom-137", "Out of memory (137)"),
        ("image-pull", "Image pull"),
        ("exit-code", "Application exit code"),
        ("other", "Other (no exit code)"),
    ];

    /// <summary>The label of a <see cref="FailureCause"/> bucket.</summary>
    public static string FailureCauseLabel(string cause) =>
        FailureCauses.FirstOrDefault(c => c.Cause == cause).Label ?? "Other (no exit code)";

    /// <summary>Failure cause buckets of issue 4 §4: Spot reclaim, out of memory (137), image pull, application exit code.</summary>
    public static string FailureCause(int? exitCode, string? statusReason, string? reason)
    {
        var text = $"{statusReason} {reason}";
        // aws-facts §4.3: a reclaim reads "Host EC2 (instance i-…) terminated", exit code 143 or none.
        if (text.Contains("Host EC2", StringComparison.OrdinalIgnoreCase))
        {
            return "spot-reclaim";
        }

        if (exitCode == 137 || text.Contains("OutOfMemory", StringComparison.OrdinalIgnoreCase))
        {
            return "oom-137";
        }

        if (text.Contains("CannotPull", StringComparison.OrdinalIgnoreCase) || text.Contains("pull image", StringComparison.OrdinalIgnoreCase))
        {
            return "image-pull";
        }

        return exitCode is { } code ? "exit-code" : "other";
    }

    private static List<string> SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string NameFromArn(string arn) => arn[(arn.LastIndexOf('/') + 1)..];

    /// <summary>"arn:…:job-definition/name:3" → "name".</summary>
    private static string? DefinitionName(string? arn)
    {
        if (string.IsNullOrEmpty(arn))
        {
            return null;
        }

        var name = NameFromArn(arn);
        var colon = name.LastIndexOf(':');
        return colon > 0 ? name[..colon] : name;
    }
}
