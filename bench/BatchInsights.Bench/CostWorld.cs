using System.Globalization;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Sandbox.Simulation;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Bench;

/// <summary>
/// A harvested-looking account for the recommender and cost benchmarks, generated in memory and bulk-written: the
/// sandbox's default scenario (its compute environments, queues, job definitions and weights), N jobs over the last
/// <see cref="WindowDays"/> days with shapes and durations from the sandbox's Alibaba 2017 trace (scaled as the sandbox
/// scales it), each started job placed first-fit on its CE's live instances (a new instance = the CE's cheapest type
/// holding about four such jobs; idle instances leave after 10 minutes), one attempt per finished job mapped to its
/// container instance, and 90 days of Spot prices of the Spot CEs' pools from the sandbox's Spot model (same seed).
/// Deterministic for a given N.
/// </summary>
internal sealed class CostWorld
{
    public const int WindowDays = 14;
    private const long MinuteMs = 60_000;
    private const long IdleMs = 10 * MinuteMs;
    private const double UsableMemoryShare = 0.94;
    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];

    private readonly Scenario _scenario;
    private readonly IInstanceCatalog _catalog;
    private readonly long _now;

    private CostWorld(Scenario scenario, IInstanceCatalog catalog, DateTimeOffset now)
    {
        _scenario = scenario;
        _catalog = catalog;
        _now = now.ToUnixTimeMilliseconds();
    }

    public string Account => _scenario.AccountId;

    public string Region => _scenario.Region;

    public List<Job> Jobs { get; } = [];

    public List<Instance> Instances { get; } = [];

    public long SpotPriceRows { get; private set; }

    public int SpotPools { get; private set; }

    public int Attempts => Jobs.Count(j => j.HasAttempt);

    /// <summary>One generated job (struct: a million of them).</summary>
    internal struct Job
    {
        public int Definition;
        public string Queue;
        public string Ce;
        public double Vcpus;
        public long MemoryMib;
        public int Gpus;
        public int Nodes;
        public long CreatedMs;
        public long StartMs;
        public long StopMs;
        public int Instance;
        public string Status;
        public int? ExitCode;
        public string? Reason;

        public readonly bool Started => StartMs > 0;

        public readonly bool HasAttempt => Status is "SUCCEEDED" or "FAILED";
    }

    internal sealed class Instance(int index, string id, string ce, string type, string zone, bool spot, long launchMs, double vcpus, double memoryMib, int gpus)
    {
        public int Index { get; } = index;
        public string Id { get; } = id;
        public string Ce { get; } = ce;
        public string Type { get; } = type;
        public string Zone { get; } = zone;
        public bool Spot { get; } = spot;
        public long LaunchMs { get; } = launchMs;
        public double FreeVcpus { get; set; } = vcpus;
        public double FreeMemoryMib { get; set; } = memoryMib * UsableMemoryShare;
        public int FreeGpus { get; set; } = gpus;
        public int Running { get; set; }
        public long IdleSinceMs { get; set; } = launchMs;
        public long? TerminatedMs { get; set; }
        public string ContainerInstanceArn { get; set; } = "";
    }

    private sealed record CeSpec(ComputeEnvironmentSpec Spec, List<InstanceTypeSnapshot> Types, bool Spot, bool Fargate);

    public static CostWorld Generate(long jobCount, DateTimeOffset now, IInstanceCatalog catalog)
    {
        var world = new CostWorld(ScenarioLoader.Load(null), catalog, now);
        world.GenerateJobs(jobCount);
        world.Place();
        return world;
    }

    private void GenerateJobs(long count)
    {
        var random = new Random(42);
        var trace = WorkloadTrace.Default.Rows;
        var w = _scenario.Workload;
        var definitions = _scenario.JobDefinitions;
        var totalWeight = definitions.Sum(d => d.Weight);
        var queues = _scenario.JobQueues.ToDictionary(q => q.Name, StringComparer.Ordinal);
        var from = _now - (WindowDays * 24 * 60 * MinuteMs) + (60 * MinuteMs);
        var step = (_now - from) / (double)count;
        for (long n = 0; n < count; n++)
        {
            var pick = random.NextDouble() * totalWeight;
            var d = 0;
            while (d < definitions.Count - 1 && (pick -= definitions[d].Weight) >= 0)
            {
                d++;
            }

            var def = definitions[d];
            var queue = queues[def.JobQueue];
            // Queues with two CEs (batch-default: spot-bid60 then od-general) spill a fifth of their work to the second.
            var ce = queue.ComputeEnvironmentOrder.Count > 1 && random.NextDouble() < 0.2 ? queue.ComputeEnvironmentOrder[1] : queue.ComputeEnvironmentOrder[0];
            var row = trace[random.Next(trace.Length)];
            var vcpus = def.Vcpus ?? Math.Max(1, (int)Math.Round(row.CpuPercentOfCore / 100.0 * w.CpuScale));
            var memory = def.MemoryMiB ?? RoundUp((int)(row.MemoryNormalized * w.MemoryMachineGiB * 1024 * w.MemoryScale), 256, 512);
            var duration = Math.Clamp((long)(row.DurationSeconds * w.DurationScale), 30, 24 * 3600) * 1000;
            var created = from + (long)(n * step);
            var start = created + (long)(-Math.Log(1 - random.NextDouble()) * queue.MeanQueueWaitSeconds * 1000);
            var job = new Job
            {
                Definition = d,
                Queue = queue.Name,
                Ce = ce,
                Vcpus = vcpus,
                MemoryMib = memory,
                Gpus = def.Gpus ?? 0,
                Nodes = def.Type == "multinode" ? def.NumNodes : 1,
                CreatedMs = created,
                StartMs = start,
                StopMs = start + duration,
                Instance = -1,
                Status = "SUCCEEDED",
                ExitCode = 0,
            };
            Jobs.Add(job);
        }
    }

    /// <summary>First-fit placement per CE in start order; jobs that fit no type of their CE stay RUNNABLE.</summary>
    private void Place()
    {
        var ces = _scenario.ComputeEnvironments.ToDictionary(c => c.Name, c => new CeSpec(c,
            CandidateInstanceTypes.Expand(c.InstanceTypes, _catalog)
                .Select(t => _catalog.TryGet(t, out var s) ? s : null).OfType<InstanceTypeSnapshot>()
                .Where(s => !s.BareMetal && _catalog.OnDemandPrice(s.Name, Region) is not null)
                .OrderBy(s => _catalog.OnDemandPrice(s.Name, Region)!.UsdPerHour).ThenBy(s => s.Name, StringComparer.Ordinal).ToList(),
            c.Type == "SPOT", c.Type.StartsWith("FARGATE", StringComparison.Ordinal)), StringComparer.Ordinal);
        var random = new Random(7);
        var order = Enumerable.Range(0, Jobs.Count).OrderBy(i => Jobs[i].StartMs).ToArray();
        var live = ces.Keys.ToDictionary(k => k, _ => new List<Instance>(), StringComparer.Ordinal);
        var ending = ces.Keys.ToDictionary(k => k, _ => new PriorityQueue<int, long>(), StringComparer.Ordinal);
        var jobs = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Jobs);
        foreach (var i in order)
        {
            ref var job = ref jobs[i];
            var ce = ces[job.Ce];
            if (job.StartMs > _now)
            {
                job = job with { StartMs = 0, StopMs = 0, Status = "RUNNABLE", ExitCode = null };
                continue;
            }

            if (!ce.Fargate)
            {
                var pool = live[job.Ce];
                var ends = ending[job.Ce];
                while (ends.TryPeek(out var done, out var endMs) && endMs <= job.StartMs)
                {
                    ends.Dequeue();
                    Release(Instances[jobs[done].Instance], jobs[done], endMs);
                }

                var startMs = job.StartMs;
                pool.RemoveAll(x => Retire(x, startMs));
                var shape = job;
                var host = pool.Find(x => Fits(x, shape.Vcpus, shape.MemoryMib, shape.Gpus));
                if (host is null)
                {
                    var type = ce.Types.FirstOrDefault(t => HoldsCopies(t, shape, 4)) ?? ce.Types.FirstOrDefault(t => HoldsCopies(t, shape, 1));
                    if (type is null)
                    {
                        // Larger than every allowed type (genome-assembly-xl): RUNNABLE for ever, as in the sandbox.
                        job = job with { StartMs = 0, StopMs = 0, Status = "RUNNABLE", ExitCode = null };
                        continue;
                    }

                    var launch = job.StartMs - (3 * MinuteMs);
                    host = new Instance(Instances.Count, $"i-{Instances.Count:x17}", job.Ce, type.Name, Zones[random.Next(Zones.Length)], ce.Spot, launch, type.Vcpus, type.MemoryMib, type.Gpus)
                    {
                        ContainerInstanceArn = $"arn:aws:ecs:{Region}:{Account}:container-instance/{job.Ce}-cluster/{Instances.Count:x32}",
                    };
                    Instances.Add(host);
                    pool.Add(host);
                }

                host.FreeVcpus -= job.Vcpus;
                host.FreeMemoryMib -= job.MemoryMib;
                host.FreeGpus -= job.Gpus;
                host.Running++;
                job.Instance = host.Index;
                ends.Enqueue(i, job.StopMs);
            }

            if (job.StopMs > _now)
            {
                job = job with { Status = "RUNNING", ExitCode = null };
                continue;
            }

            var failure = random.NextDouble();
            if (failure < 0.08)
            {
                var cause = random.NextDouble();
                job = cause < 0.3 && ce.Spot && job.Instance >= 0
                    ? job with { Status = "FAILED", ExitCode = null, Reason = $"Host EC2 (instance {Instances[job.Instance].Id}) terminated." }
                    : cause < 0.6
                        ? job with { Status = "FAILED", ExitCode = 137, Reason = "OutOfMemoryError: Container killed due to memory usage" }
                        : job with { Status = "FAILED", ExitCode = 1, Reason = "Essential container in task exited" };
            }
        }

        foreach (var instance in Instances)
        {
            if (instance.TerminatedMs is null && instance.Running == 0 && instance.IdleSinceMs + IdleMs <= _now)
            {
                instance.TerminatedMs = instance.IdleSinceMs + IdleMs;
            }
        }
    }

    /// <summary>Writes the account: CEs and queues through EF (a few rows), the rest through <paramref name="writer"/>.</summary>
    public async Task WriteAsync(IDbContextFactory<BatchInsightsDbContext> factory, IBulkWriter writer, CancellationToken cancellationToken)
    {
        var harvestedAt = DateTimeOffset.FromUnixTimeMilliseconds(_now).UtcDateTime;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            foreach (var c in _scenario.ComputeEnvironments)
            {
                db.ComputeEnvironments.Add(new ComputeEnvironmentRow
                {
                    Account = Account, Region = Region, Arn = CeArn(c.Name), Name = c.Name, Type = "MANAGED", State = c.State, Status = "VALID",
                    ResourceType = c.Type, InstanceTypes = string.Join(',', c.InstanceTypes), MinvCpus = c.MinvCpus, DesiredvCpus = c.DesiredvCpus,
                    MaxvCpus = c.MaxvCpus, BidPercentage = c.BidPercentage, AllocationStrategy = c.AllocationStrategy,
                    Subnets = string.Join(',', c.Subnets ?? []), EcsClusterArn = $"arn:aws:ecs:{Region}:{Account}:cluster/{c.Name}-cluster", HarvestedAt = harvestedAt,
                });
            }

            foreach (var q in _scenario.JobQueues)
            {
                db.JobQueues.Add(new JobQueueRow
                {
                    Account = Account, Region = Region, Arn = $"arn:aws:batch:{Region}:{Account}:job-queue/{q.Name}", Name = q.Name, State = q.State,
                    Status = "VALID", Priority = q.Priority, ComputeEnvironmentOrder = string.Join(',', q.ComputeEnvironmentOrder.Select(CeArn)), HarvestedAt = harvestedAt,
                });
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        var definitionArns = _scenario.JobDefinitions.Select(d => $"arn:aws:batch:{Region}:{Account}:job-definition/{d.Name}:{d.Revision}").ToArray();
        var tags = _scenario.JobDefinitions.Select(d => d.Tags.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(d.Tags)).ToArray();
        using (var table = writer.Open("jobs",
            "Account", "Region", "JobId", "JobName", "JobArn", "QueueName", "Status", "StatusReason", "CreatedAtMs", "StartedAtMs", "StoppedAtMs",
            "JobDefinitionArn", "Vcpus", "MemoryMib", "Gpus", "NumNodes", "ExitCode", "ContainerReason", "AttemptCount", "TagsJson", "IsTerminal",
            "FromSummary", "HarvestedAt"))
        {
            for (var i = 0; i < Jobs.Count; i++)
            {
                var j = Jobs[i];
                var id = JobId(i);
                var def = _scenario.JobDefinitions[j.Definition];
                table.Add(Account, Region, id, $"{def.Name}-{i}", $"arn:aws:batch:{Region}:{Account}:job/{id}", j.Queue, j.Status,
                    j.Status == "FAILED" ? "Essential container in task exited" : null, j.CreatedMs, j.Started ? j.StartMs : null,
                    j.HasAttempt ? j.StopMs : null, definitionArns[j.Definition], j.Vcpus, j.MemoryMib, j.Gpus > 0 ? j.Gpus : null,
                    j.Nodes > 1 ? j.Nodes : null, j.ExitCode, j.Reason, j.HasAttempt ? 1 : 0, tags[j.Definition], j.HasAttempt, false, harvestedAt);
            }
        }

        using (var table = writer.Open("job_attempts",
            "Account", "Region", "JobId", "AttemptIndex", "ContainerInstanceArn", "TaskArn", "StartedAtMs", "StoppedAtMs", "ExitCode", "Reason", "StatusReason"))
        {
            for (var i = 0; i < Jobs.Count; i++)
            {
                var j = Jobs[i];
                if (j.HasAttempt)
                {
                    var host = j.Instance >= 0 ? Instances[j.Instance].ContainerInstanceArn : null;
                    table.Add(Account, Region, JobId(i), 0, host, $"arn:aws:ecs:{Region}:{Account}:task/{i:x32}", j.StartMs, j.StopMs, j.ExitCode,
                        j.ExitCode == 137 ? j.Reason : null, j.ExitCode is null ? j.Reason : null);
                }
            }
        }

        WriteInstances(writer, Instances);
        using (var table = writer.Open("spot_price_changes", "Account", "Region", "AvailabilityZone", "InstanceType", "ProductDescription", "TimestampMs", "PriceMicroUsd"))
        {
            // The pools a harvest would have read: the Spot CEs' types (expanded as the app does) in the subnets' AZs, 90 days.
            var market = new SpotMarket(_scenario.Seed, Region, Zones, []);
            var types = CandidateInstanceTypes.FromStored(_scenario.ComputeEnvironments.Where(c => c.Type == "SPOT").Select(c => string.Join(',', c.InstanceTypes)), _catalog);
            foreach (var zone in Zones)
            {
                foreach (var type in types)
                {
                    var pool = market.PoolOf(zone, type);
                    if (pool < 0)
                    {
                        continue;
                    }

                    SpotPools++;
                    var previous = long.MinValue;
                    foreach (var change in market.History(pool, _now - SpotMarket.HistoryMs, _now, long.MinValue))
                    {
                        if (change.TimestampMs == previous)
                        {
                            continue; // the model sometimes moves a price twice in one ms; the table keeps one row per ms
                        }

                        previous = change.TimestampMs;
                        table.Add(Account, Region, zone, type, "Linux/UNIX", change.TimestampMs, (long)decimal.Round(change.Price * 1_000_000m));
                        SpotPriceRows++;
                    }
                }
            }
        }

        await writer.CommitAsync(cancellationToken);
    }

    private void WriteInstances(IBulkWriter writer, List<Instance> instances)
    {
        using (var table = writer.Open("ec2_instances",
            "Account", "Region", "InstanceId", "ComputeEnvironmentName", "InstanceType", "AvailabilityZone", "Lifecycle", "LaunchTimeMs", "FirstSeenMs",
            "LastSeenMs", "State", "TerminatedAtMs"))
        {
            foreach (var x in instances)
            {
                table.Add(Account, Region, x.Id, x.Ce, x.Type, x.Zone, x.Spot ? CostLifecycle.Spot : CostLifecycle.OnDemand, x.LaunchMs, x.LaunchMs,
                    x.TerminatedMs ?? _now, x.TerminatedMs is null ? "running" : "terminated", x.TerminatedMs);
            }
        }

        using (var table = writer.Open("container_instances",
            "Account", "Region", "ContainerInstanceArn", "ClusterName", "Status", "Ec2InstanceId", "InstanceType", "AvailabilityZone", "RegisteredAtMs", "DescribedAtMs"))
        {
            foreach (var x in instances)
            {
                table.Add(Account, Region, x.ContainerInstanceArn, x.Ce + "-cluster", ContainerInstanceStatus.Mapped, x.Id, x.Type, x.Zone, x.LaunchMs + MinuteMs,
                    Math.Min(_now, x.LaunchMs + (2 * MinuteMs)));
            }
        }
    }

    private string CeArn(string name) => $"arn:aws:batch:{Region}:{Account}:compute-environment/{name}";

    /// <summary>A UUID-shaped, deterministic job id (36 characters, as Batch's).</summary>
    private static string JobId(int i) => $"{i:x8}-{(uint)(i * 2654435761u) >> 16:x4}-4{i % 4096:x3}-8{(i * 7) % 4096:x3}-{(ulong)i * 0x9E3779B97F4A7C15UL >> 16:x12}";

    private static bool HoldsCopies(InstanceTypeSnapshot t, in Job job, int copies) =>
        t.Vcpus >= job.Vcpus * copies && t.MemoryMib * UsableMemoryShare >= job.MemoryMib * copies && t.Gpus >= job.Gpus * copies
        && (job.Gpus > 0) == (t.Gpus > 0);

    private static bool Fits(Instance x, double vcpus, long memoryMib, int gpus) =>
        x.FreeVcpus >= vcpus - 1e-9 && x.FreeMemoryMib >= memoryMib && x.FreeGpus >= gpus;

    private static void Release(Instance x, in Job job, long atMs)
    {
        x.FreeVcpus += job.Vcpus;
        x.FreeMemoryMib += job.MemoryMib;
        x.FreeGpus += job.Gpus;
        if (--x.Running == 0)
        {
            x.IdleSinceMs = atMs;
        }
    }

    private static bool Retire(Instance x, long atMs)
    {
        if (x.Running == 0 && x.IdleSinceMs + IdleMs <= atMs)
        {
            x.TerminatedMs = x.IdleSinceMs + IdleMs;
            return true;
        }

        return false;
    }

    private static int RoundUp(int value, int step, int minimum) => Math.Max(minimum, (value + step - 1) / step * step);
}
