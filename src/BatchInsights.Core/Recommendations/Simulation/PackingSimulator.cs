namespace BatchInsights.Core.Recommendations.Simulation;

/// <summary>Which type a new instance gets when a job fits on no running instance.</summary>
public enum LaunchChoice
{
    /// <summary>The type with the lowest price per hour (at launch) among those the job fits — Batch's BEST_FIT idea.</summary>
    CheapestFit,

    /// <summary>
    /// The fitting type with the lowest price per vCPU, larger ones on ties (roughly what BEST_FIT_PROGRESSIVE and
    /// SPOT_PRICE_CAPACITY_OPTIMIZED converge to when many jobs are waiting).
    /// </summary>
    CheapestPerVcpu,
}

/// <summary>
/// How the simulated compute environment behaves. Defaults are assumptions, not AWS figures: boot (EC2 start + ECS
/// registration + image pull) of 3 minutes, scale-down after 5 idle minutes, EC2's 60-second minimum billing.
/// </summary>
public sealed record PackingPolicy
{
    public long BootSeconds { get; init; } = 180;

    public long IdleScaleDownSeconds { get; init; } = 300;

    public long MinimumBillingSeconds { get; init; } = 60;

    public LaunchChoice Launch { get; init; } = LaunchChoice.CheapestFit;
}

/// <summary>What running the jobs cost under a setting.</summary>
public sealed record SimulationResult(
    double CostUsd,
    double InstanceHours,
    int InstancesLaunched,
    int JobsRun,
    int JobsThatFitNoType,
    double VcpuUtilization,
    double MemoryUtilization,
    double MeanStartDelaySeconds,
    IReadOnlyDictionary<string, int> LaunchesByType);

/// <summary>
/// A simple, deterministic replay of jobs on a compute environment: jobs arrive at their start times (in order); each
/// goes first-fit onto the live instances in launch order (vCPU, memory and GPUs must all fit); when none has room, an
/// instance of the <see cref="PackingPolicy.Launch"/> type is launched and the job starts once it has booted. An
/// instance with no job for <see cref="PackingPolicy.IdleScaleDownSeconds"/> is terminated. Each instance is billed per
/// second from launch to termination (at least the minimum), at the prices of the <see cref="PriceSchedule"/>.
/// <para>
/// Pure and reusable (no I/O): the instance-types recommender can score a candidate type list with it. Not modelled:
/// maxvCpus (capacity is unlimited), Spot interruptions and bidPercentage blocking launches, AZs, the ECS agent's
/// memory reserve, and jobs that wait for capacity to free up instead of launching.
/// </para>
/// </summary>
public sealed class PackingSimulator
{
    private readonly IReadOnlyList<MachineType> _types;
    private readonly PriceSchedule _prices;
    private readonly PackingPolicy _policy;

    public PackingSimulator(IReadOnlyList<MachineType> types, PriceSchedule prices, PackingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(policy);
        if (types.Count == 0 || prices.TypeCount != types.Count)
        {
            throw new ArgumentException("Give at least one type and one price series per type.", nameof(prices));
        }

        _types = types;
        _prices = prices;
        _policy = policy;
    }

    public SimulationResult Run(IReadOnlyList<WorkloadJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var ordered = jobs.Where(j => j.DurationSeconds > 0).OrderBy(j => j.StartSecond).ToList();
        // Instances that may still take the smallest job, in launch order (first-fit scans only these), and idle
        // instances by the time they went idle (scale-down pops them): both keep a 1M-job replay near-linear.
        var open = new SortedSet<Instance>(Comparer<Instance>.Create((a, b) => a.Seq.CompareTo(b.Seq)));
        var idle = new PriorityQueue<Instance, long>();
        var retired = new List<Instance>();
        var smallest = ordered.Count == 0 ? default : new WorkloadJob(0, 0, ordered.Min(j => j.Vcpus), ordered.Min(j => j.MemoryGib), ordered.Min(j => j.Gpus));
        // Job ends, earliest first, so resources free up before the next arrival is placed.
        var ends = new PriorityQueue<(Instance Host, WorkloadJob Job), long>();
        double jobVcpuSeconds = 0, jobGibSeconds = 0, delaySeconds = 0;
        int unfit = 0, run = 0, launched = 0;

        void FinishUntil(long now)
        {
            while (ends.TryPeek(out var e, out var at) && at <= now)
            {
                ends.Dequeue();
                e.Host.Release(e.Job, at);
                if (e.Host.Has(smallest))
                {
                    open.Add(e.Host);
                }

                if (e.Host.Running == 0)
                {
                    idle.Enqueue(e.Host, at);
                }
            }
        }

        // Terminates instances idle for the scale-down delay by now (at the moment the delay ran out).
        void RetireIdle(long now)
        {
            while (idle.TryPeek(out var i, out var since) && since + _policy.IdleScaleDownSeconds <= now)
            {
                idle.Dequeue();
                // Stale entry: the instance took a job after going idle (it is queued again when it next goes idle).
                if (i.Running > 0 || i.LastEnd != since || i.TerminatedAt > 0)
                {
                    continue;
                }

                i.TerminatedAt = since + _policy.IdleScaleDownSeconds;
                open.Remove(i);
                retired.Add(i);
            }
        }

        foreach (var job in ordered)
        {
            var now = job.StartSecond;
            FinishUntil(now);
            RetireIdle(now);

            Instance? host = null;
            foreach (var candidate in open)
            {
                if (candidate.Has(job))
                {
                    host = candidate;
                    break;
                }
            }

            if (host is null)
            {
                var type = ChooseType(job, now);
                if (type < 0)
                {
                    unfit++;
                    continue;
                }

                host = new Instance(launched++, type, _types[type], now, now + _policy.BootSeconds);
                open.Add(host);
            }

            var start = Math.Max(now, host.ReadyAt);
            host.Take(job);
            if (!host.Has(smallest))
            {
                open.Remove(host);
            }

            ends.Enqueue((host, job), start + job.DurationSeconds);
            delaySeconds += start - now;
            jobVcpuSeconds += job.Vcpus * job.DurationSeconds;
            jobGibSeconds += job.MemoryGib * job.DurationSeconds;
            run++;
        }

        FinishUntil(long.MaxValue);
        RetireIdle(long.MaxValue);

        double cost = 0, instanceSeconds = 0, vcpuSeconds = 0, gibSeconds = 0;
        var launches = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in retired)
        {
            var seconds = Math.Max(i.TerminatedAt - i.LaunchedAt, _policy.MinimumBillingSeconds);
            cost += _prices.Cost(i.Type, i.LaunchedAt, i.LaunchedAt + seconds);
            instanceSeconds += seconds;
            vcpuSeconds += i.Spec.Vcpus * seconds;
            gibSeconds += i.Spec.MemoryGib * seconds;
            launches[i.Spec.Name] = launches.GetValueOrDefault(i.Spec.Name) + 1;
        }

        return new SimulationResult(
            cost,
            instanceSeconds / 3600,
            retired.Count,
            run,
            unfit,
            vcpuSeconds > 0 ? jobVcpuSeconds / vcpuSeconds : 0,
            gibSeconds > 0 ? jobGibSeconds / gibSeconds : 0,
            run > 0 ? delaySeconds / run : 0,
            launches);
    }

    private int ChooseType(in WorkloadJob job, long now)
    {
        var best = -1;
        var bestKey = (double.PositiveInfinity, 0.0);
        for (var i = 0; i < _types.Count; i++)
        {
            if (!_types[i].Fits(job))
            {
                continue;
            }

            var price = _prices.PriceAt(i, now);
            var key = _policy.Launch == LaunchChoice.CheapestFit
                ? (price, 0.0)
                : (price / Math.Max(_types[i].Vcpus, 1e-9), -_types[i].Vcpus);
            if (key.CompareTo(bestKey) < 0)
            {
                best = i;
                bestKey = key;
            }
        }

        return best;
    }

    private sealed class Instance(int seq, int type, MachineType spec, long launchedAt, long readyAt)
    {
        public int Seq { get; } = seq;

        private double _freeVcpus = spec.Vcpus;
        private double _freeGib = spec.MemoryGib;
        private int _freeGpus = spec.Gpus;

        public int Type { get; } = type;

        public MachineType Spec { get; } = spec;

        public long LaunchedAt { get; } = launchedAt;

        public long ReadyAt { get; } = readyAt;

        public long LastEnd { get; set; } = readyAt;

        public long TerminatedAt { get; set; }

        public int Running { get; private set; }

        // A small tolerance so that jobs summing to exactly the capacity still fit despite float residue.
        public bool Has(in WorkloadJob job) =>
            job.Vcpus <= _freeVcpus + 1e-9 && job.MemoryGib <= _freeGib + 1e-9 && job.Gpus <= _freeGpus;

        public void Take(in WorkloadJob job)
        {
            _freeVcpus -= job.Vcpus;
            _freeGib -= job.MemoryGib;
            _freeGpus -= job.Gpus;
            Running++;
        }

        public void Release(in WorkloadJob job, long at)
        {
            _freeVcpus += job.Vcpus;
            _freeGib += job.MemoryGib;
            _freeGpus += job.Gpus;
            Running--;
            LastEnd = Math.Max(LastEnd, at);
        }
    }
}
