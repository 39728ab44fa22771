namespace BatchInsights.Core.Recommendations.Simulation;

/// <summary>How the simulated compute environment decides what to launch when jobs fit on no running instance.</summary>
public enum LaunchChoice
{
    /// <summary>
    /// Batched (the default): the jobs that fit no live instance wait together for the next scaling pass, which launches
    /// the instances that cover them at the lowest cost per covered demand (<see cref="LaunchCover"/>, the decision
    /// <see cref="SlicePacking"/> makes too) — one large instance for eight small jobs when that is cheaper than eight
    /// small ones. This is what Batch's documentation describes (a scaling pass sizes capacity for the RUNNABLE jobs in the
    /// queue); the greedy itself is our model of it, not AWS's algorithm.
    /// </summary>
    CoverWaiting,

    /// <summary>Per job: the type with the lowest price per hour (at launch) among those the job fits, launched for that job alone.</summary>
    CheapestFit,

    /// <summary>
    /// Per job: the fitting type with the lowest price per vCPU, larger ones on ties (roughly what BEST_FIT_PROGRESSIVE and
    /// SPOT_PRICE_CAPACITY_OPTIMIZED converge to when many jobs are waiting).
    /// </summary>
    CheapestPerVcpu,
}

/// <summary>
/// How the simulated compute environment behaves. Defaults are assumptions, not AWS figures: boot (EC2 start + ECS
/// registration + image pull) of 3 minutes, scale-down after 5 idle minutes, EC2's 60-second minimum billing, batched
/// launches with a scaling pass whenever jobs are waiting (jobs that arrive at the same second wait together).
/// </summary>
public sealed record PackingPolicy
{
    public long BootSeconds { get; init; } = 180;

    public long IdleScaleDownSeconds { get; init; } = 300;

    public long MinimumBillingSeconds { get; init; } = 60;

    public LaunchChoice Launch { get; init; } = LaunchChoice.CoverWaiting;

    /// <summary>
    /// <see cref="LaunchChoice.CoverWaiting"/> only: scaling passes run at multiples of this many seconds, so jobs that
    /// arrive within one interval and fit no live instance wait for the pass and are covered together. 0: a pass right
    /// after each arrival instant (no added wait). Batch's real pass cadence is not documented; 0 assumes none.
    /// </summary>
    public long SchedulingIntervalSeconds { get; init; }
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
/// goes first-fit onto the live instances in launch order (vCPU, memory and GPUs must all fit); when none has room, the
/// job waits for capacity: under <see cref="LaunchChoice.CoverWaiting"/> it joins the jobs waiting for the next scaling
/// pass, which first retries them first-fit and then launches instances that cover the rest together; under the
/// per-job choices an instance of the chosen type is launched for it at once. A job starts once its instance has booted.
/// An instance with no job for <see cref="PackingPolicy.IdleScaleDownSeconds"/> is terminated. Each instance is billed
/// per second from launch to termination (at least the minimum), at the prices of the <see cref="PriceSchedule"/>.
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

        if (policy.SchedulingIntervalSeconds < 0)
        {
            throw new ArgumentException("The scheduling interval cannot be negative.", nameof(policy));
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
        var batched = _policy.Launch == LaunchChoice.CoverWaiting;
        var waiting = batched ? new WaitingJobs(ordered, _types) : null;
        long passAt = 0;

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

        Instance? FirstFit(in WorkloadJob job)
        {
            foreach (var candidate in open)
            {
                if (candidate.Has(job))
                {
                    return candidate;
                }
            }

            return null;
        }

        Instance Launch(int type, long now)
        {
            var instance = new Instance(launched++, type, _types[type], now, now + _policy.BootSeconds);
            open.Add(instance);
            return instance;
        }

        // The job starts on the host at `now` or once the host has booted.
        void Place(Instance host, in WorkloadJob job, long now)
        {
            var start = Math.Max(now, host.ReadyAt);
            host.Take(job);
            if (!host.Has(smallest))
            {
                open.Remove(host);
            }

            ends.Enqueue((host, job), start + job.DurationSeconds);
            delaySeconds += start - job.StartSecond;
            jobVcpuSeconds += job.Vcpus * job.DurationSeconds;
            jobGibSeconds += job.MemoryGib * job.DurationSeconds;
            run++;
        }

        // A scaling pass: the waiting jobs first-fit onto what is live now (capacity freed or booting since they arrived),
        // the rest are covered by new instances launched together.
        void Pass(long now)
        {
            FinishUntil(now);
            RetireIdle(now);
            waiting!.Cover(now, _prices, j => FirstFit(j), type => Launch(type, now), (host, j) => Place(host, j, now));
        }

        for (var index = 0; index < ordered.Count; index++)
        {
            var job = ordered[index];
            var now = job.StartSecond;
            if (waiting is { Count: > 0 } && now > passAt)
            {
                Pass(passAt);
            }

            FinishUntil(now);
            RetireIdle(now);
            var host = FirstFit(job);
            if (host is null && waiting is not null)
            {
                if (!waiting.CanHold(index))
                {
                    unfit++;
                    continue;
                }

                if (waiting.Count == 0)
                {
                    var interval = _policy.SchedulingIntervalSeconds;
                    passAt = interval > 0 ? (now + interval - 1) / interval * interval : now;
                }

                waiting.Add(index);
                continue;
            }

            if (host is null)
            {
                var type = ChooseType(job, now);
                if (type < 0)
                {
                    unfit++;
                    continue;
                }

                host = Launch(type, now);
            }

            Place(host, job, now);
        }

        if (waiting is { Count: > 0 })
        {
            Pass(passAt);
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

    /// <summary>
    /// The jobs waiting for a scaling pass (<see cref="LaunchChoice.CoverWaiting"/>), grouped by shape for
    /// <see cref="LaunchCover"/>: shapes, which types hold each, and the first-fit-decreasing rank, built once per run.
    /// </summary>
    private sealed class WaitingJobs
    {
        private readonly IReadOnlyList<WorkloadJob> _jobs;
        private readonly IReadOnlyList<MachineType> _types;
        private readonly int[] _shapeOf;
        private readonly int[][] _fits;
        private readonly int[] _rank;
        private readonly double[] _shapeV;
        private readonly double[] _shapeM;
        private readonly LaunchCover _cover;
        private readonly List<int> _arrived = [];
        private readonly Queue<int>[] _byShape;
        private readonly int[] _remaining;
        private readonly List<int> _shapes = [];
        private readonly int[] _order;
        private readonly double[] _price;
        private readonly double[] _weight;

        public WaitingJobs(IReadOnlyList<WorkloadJob> jobs, IReadOnlyList<MachineType> types)
        {
            _jobs = jobs;
            _types = types;
            _shapeOf = new int[jobs.Count];
            var index = new Dictionary<(double, double, int), int>();
            var shapes = new List<WorkloadJob>();
            for (var j = 0; j < jobs.Count; j++)
            {
                var key = (jobs[j].Vcpus, jobs[j].MemoryGib, jobs[j].Gpus);
                if (!index.TryGetValue(key, out var s))
                {
                    s = shapes.Count;
                    index[key] = s;
                    shapes.Add(jobs[j]);
                }

                _shapeOf[j] = s;
            }

            _fits = shapes.Select(s => Enumerable.Range(0, types.Count).Where(t => types[t].Fits(s)).ToArray()).ToArray();
            _shapeV = shapes.Select(s => s.Vcpus).ToArray();
            _shapeM = shapes.Select(s => s.MemoryGib).ToArray();
            // FFD order as in SlicePacking: GPU jobs first, then the largest dominant share of the largest type.
            var maxV = types.Max(t => t.Vcpus);
            var maxM = types.Max(t => t.MemoryGib);
            var order = Enumerable.Range(0, shapes.Count)
                .OrderByDescending(s => shapes[s].Gpus).ThenByDescending(s => Math.Max(_shapeV[s] / maxV, _shapeM[s] / maxM)).ToArray();
            _rank = new int[shapes.Count];
            for (var r = 0; r < order.Length; r++)
            {
                _rank[order[r]] = r;
            }

            _cover = new LaunchCover(_shapeV, _shapeM, shapes.Select(s => s.Gpus).ToArray(), types.Select(t => t.Vcpus).ToArray(),
                types.Select(t => t.MemoryGib).ToArray(), types.Select(t => t.Gpus).ToArray(), _fits);
            _byShape = shapes.Select(_ => new Queue<int>()).ToArray();
            _remaining = new int[shapes.Count];
            _order = new int[shapes.Count];
            _price = new double[types.Count];
            _weight = new double[shapes.Count];
        }

        public int Count => _arrived.Count;

        /// <summary>True when some type can hold the job (index into the run's ordered jobs).</summary>
        public bool CanHold(int job) => _fits[_shapeOf[job]].Length > 0;

        public void Add(int job) => _arrived.Add(job);

        /// <summary>
        /// The pass at <paramref name="now"/>: each waiting job, in arrival order, first-fit onto a live instance; the rest
        /// covered by <see cref="LaunchCover"/> at the prices in effect now, each launched instance filled with the jobs the
        /// cover chose for it.
        /// </summary>
        public void Cover(long now, PriceSchedule prices, Func<WorkloadJob, Instance?> firstFit, Func<int, Instance> launch, Action<Instance, WorkloadJob> place)
        {
            foreach (var j in _arrived)
            {
                var job = _jobs[j];
                if (firstFit(job) is { } host)
                {
                    place(host, job);
                    continue;
                }

                var s = _shapeOf[j];
                if (_remaining[s]++ == 0)
                {
                    _shapes.Add(s);
                }

                _byShape[s].Enqueue(j);
            }

            _arrived.Clear();
            if (_shapes.Count == 0)
            {
                return;
            }

            _shapes.Sort((x, y) => _rank[x].CompareTo(_rank[y]));
            _shapes.CopyTo(_order);
            // A job's weight is its cost at the cheapest $/vCPU and $/GiB on offer now (as in SlicePacking).
            double a = double.PositiveInfinity, b = double.PositiveInfinity;
            for (var t = 0; t < _price.Length; t++)
            {
                _price[t] = prices.PriceAt(t, now);
                if (_types[t].Vcpus > 0)
                {
                    a = Math.Min(a, _price[t] / _types[t].Vcpus);
                }

                if (_types[t].MemoryGib > 0)
                {
                    b = Math.Min(b, _price[t] / _types[t].MemoryGib);
                }
            }

            a = double.IsFinite(a) ? a : 0;
            b = double.IsFinite(b) ? b : 0;
            foreach (var s in _shapes)
            {
                _weight[s] = Math.Max(_shapeV[s] * a, _shapeM[s] * b);
            }

            _cover.Cover(_order, _shapes.Count, _remaining, _price, _weight, (type, copies, contents) =>
            {
                for (var c = 0; c < copies; c++)
                {
                    var host = launch(type);
                    foreach (var (shape, count) in contents)
                    {
                        for (var k = 0; k < count; k++)
                        {
                            place(host, _jobs[_byShape[shape].Dequeue()]);
                        }
                    }
                }
            });
            _shapes.Clear();
        }
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
