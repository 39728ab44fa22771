namespace BatchInsights.Sandbox.Simulation;

/// <summary>
/// The simulated Batch account: compute environments, queues, job definitions and a job history generated
/// from the Alibaba trace. Deterministic for a seed, scenario and clock; thread-safe.
/// </summary>
internal sealed partial class BatchAccount : IDisposable
{
    private const long Second = 1000;
    private const long Hour = 3600 * Second;
    private const long Day = 24 * Hour;
    // Jobs are generated this far ahead of "now" so arrivals keep coming as the clock moves.
    private const long GenerationLead = 2 * Hour;
    private const int FargateMaxVcpus = 16;
    internal const long InstanceWindow = 4 * Hour;
    internal const int InstanceSlots = 4;
    private const int FargateMaxMemoryMiB = 120 * 1024;
    internal const string NeverFitsReason =
        "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.";

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly TimeProvider _time;
    private readonly TraceRow[] _rows;
    private readonly int _minCreate;
    private readonly double _msPerTraceSecond;
    private readonly long _cycleMs;
    private readonly double[] _defCumulativeWeights;
    private readonly List<InstanceTypeInfo> _typeTable = [];
    private readonly Dictionary<string, short> _typeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, int> _byId = [];
    private JobRecord[] _jobs = new JobRecord[1024];
    private int _jobCount;
    private AttemptRecord[] _attempts = new AttemptRecord[2048];
    private int _attemptCount;
    private long _generatedUntil;
    private long _lastCreated = long.MinValue;

    public BatchAccount(Scenario scenario, TimeProvider time, int? seedOverride = null)
    {
        Scenario = scenario;
        _time = time;
        Seed = seedOverride ?? scenario.Seed;
        SpotMarket = Ec2Account.CreateMarket(scenario, Seed);
        Network = new NetworkLayout(scenario, Seed);
        var trace = WorkloadTrace.Default;
        _rows = trace.Rows;
        _minCreate = _rows[0].CreateOffsetSeconds;

        var ces = new List<ComputeEnvironment>();
        foreach (var spec in scenario.ComputeEnvironments)
        {
            var i = ces.Count;
            var uuid = Hash.Uuid((ulong)Seed, 0xCE00UL + (ulong)i).ToString();
            var clusterName = $"AWSBatch-{spec.Name}-{uuid}";
            var subnets = Network.SubnetsOf(spec);
            var ce = new ComputeEnvironment
            {
                Index = i,
                Name = spec.Name,
                Arn = $"arn:aws:batch:{Region}:{AccountId}:compute-environment/{spec.Name}",
                Uuid = uuid,
                ClusterName = clusterName,
                EcsClusterArn = $"arn:aws:ecs:{Region}:{AccountId}:cluster/{clusterName}",
                ResourceType = spec.Type,
                Subnets = subnets?.Select(x => x.Id).ToList()
                    ?? [$"subnet-{Hash.Of((ulong)Seed, 11, 1):x17}"[..24], $"subnet-{Hash.Of((ulong)Seed, 11, 2):x17}"[..24], $"subnet-{Hash.Of((ulong)Seed, 11, 3):x17}"[..24]],
                // Fargate tasks get their own ENIs and need no ECS agent endpoints; EC2 instances in subnets without NAT,
                // public IPs or the ECS endpoints never register, so their jobs stay RUNNABLE (Batch troubleshooting).
                HasNetworkPath = subnets is null || spec.Type.StartsWith("FARGATE", StringComparison.Ordinal) || subnets.Any(x => Network.PathOf(x) != EcsPath.None),
                SecurityGroupIds = [$"sg-{Hash.Of((ulong)Seed, 12, 1):x17}"[..20]],
                ServiceRole = $"arn:aws:iam::{AccountId}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch",
                InstanceRole = $"arn:aws:iam::{AccountId}:instance-profile/ecsInstanceRole",
                Tags = spec.Tags,
            };
            ce.AddVersion(long.MinValue, MakeConfig(spec.State, spec.InstanceTypes, spec.MinvCpus, spec.DesiredvCpus, spec.MaxvCpus,
                spec.BidPercentage, spec.AllocationStrategy ?? (ce.IsFargate ? null : "BEST_FIT"), spec.SpotInterruptionRate));
            ces.Add(ce);
        }

        ComputeEnvironments = ces;
        var ceByName = ces.ToDictionary(c => c.Name, StringComparer.Ordinal);
        Queues = scenario.JobQueues.Select((q, i) => new JobQueue
        {
            Index = i,
            Name = q.Name,
            Arn = $"arn:aws:batch:{Region}:{AccountId}:job-queue/{q.Name}",
            Priority = q.Priority,
            State = q.State,
            CeOrder = q.ComputeEnvironmentOrder.Select(n => ceByName[n].Index).ToArray(),
            MeanWaitMs = q.MeanQueueWaitSeconds * Second,
            Tags = q.Tags,
        }).ToList();
        var queueByName = Queues.ToDictionary(q => q.Name, StringComparer.Ordinal);
        JobDefinitions = scenario.JobDefinitions.Select((d, i) => new JobDefinitionInfo
        {
            Index = i,
            Spec = d,
            Arn = $"arn:aws:batch:{Region}:{AccountId}:job-definition/{d.Name}:{d.Revision}",
            QueueIndex = queueByName[d.JobQueue].Index,
        }).ToList();

        var totalWeight = JobDefinitions.Sum(d => d.Spec.Weight);
        var cumulative = 0.0;
        _defCumulativeWeights = JobDefinitions.Select(d => cumulative += d.Spec.Weight / totalWeight).ToArray();

        // Arrival rate: the trace is replayed in cycles, time-stretched so that a day holds jobsPerDay submissions.
        JobsPerDay = scenario.TargetJobCount is { } target
            ? target / (double)Math.Max(1, scenario.HistoryDays) / ExpectedJobsPerSubmission()
            : scenario.JobsPerDay ?? 1000;
        JobsPerDay = Math.Max(JobsPerDay, 1e-3);
        _cycleMs = (long)(_rows.Length / JobsPerDay * Day);
        _msPerTraceSecond = _cycleMs / (double)WorkloadTrace.Default.SpanSeconds;

        var now = NowMs;
        StartedAtMs = now;
        OriginMs = (now / 60_000 * 60_000) - (scenario.HistoryDays * Day);
        _generatedUntil = OriginMs - 1;
        GenerateUntil(now + GenerationLead);
    }

    public Scenario Scenario { get; }
    public int Seed { get; }

    /// <summary>The Spot prices (served over EC2); Spot reclaims are likelier where and when they run high.</summary>
    public SpotMarket SpotMarket { get; }

    /// <summary>The account's VPCs, subnets, route tables, NAT gateways and endpoints (served over EC2).</summary>
    public NetworkLayout Network { get; }
    public string AccountId => Scenario.AccountId;
    public string Region => Scenario.Region;
    public double JobsPerDay { get; }
    /// <summary>When the history begins (epoch ms).</summary>
    public long OriginMs { get; }
    /// <summary>The clock when the account was created (epoch ms).</summary>
    public long StartedAtMs { get; }
    public IReadOnlyList<ComputeEnvironment> ComputeEnvironments { get; }
    public IReadOnlyList<JobQueue> Queues { get; }
    public IReadOnlyList<JobDefinitionInfo> JobDefinitions { get; }
    public IReadOnlyList<InstanceTypeInfo> TypeTable => _typeTable;

    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Top-level jobs generated so far (including some up to two hours in the future).</summary>
    internal int GeneratedTopLevelCount => _jobCount;

    /// <summary>Jobs created at or before t, counting array children and MNP nodes.</summary>
    public long CountJobsCreatedBy(long t)
    {
        EnsureGenerated(t);
        _lock.EnterReadLock();
        try
        {
            long total = 0;
            for (var i = 0; i < _jobCount && _jobs[i].CreatedAt <= t; i++)
            {
                var j = _jobs[i];
                total += 1 + j.ArraySize + (JobDefinitions[j.Def].IsMultinode ? JobDefinitions[j.Def].Spec.NumNodes : 0);
            }

            return total;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private double ExpectedJobsPerSubmission()
    {
        var w = Scenario.Workload;
        double arrayShare = 0, multinodeShare = 0, multinodeNodes = 0;
        var totalWeight = JobDefinitions.Sum(d => d.Spec.Weight);
        foreach (var d in JobDefinitions)
        {
            if (d.IsMultinode)
            {
                multinodeShare += d.Spec.Weight / totalWeight;
                multinodeNodes += d.Spec.Weight / totalWeight * d.Spec.NumNodes;
            }
            else if (d.Spec.AllowArrays)
            {
                arrayShare += d.Spec.Weight / totalWeight;
            }
        }

        var meanChildren = _rows.Average(r => (double)ArraySizeFor(r.Instances, w));
        return 1 + (arrayShare * meanChildren) + multinodeNodes;
    }

    // Tasks whose scaled instance count is below MinArraySize stay single jobs: real Batch users submit arrays for
    // fan-out, not for two or three copies, and tiny arrays would make every harvest list children per parent.
    private static int ArraySizeFor(int instances, WorkloadScaling w)
    {
        if (instances <= 1 || w.ArraySizeScale <= 0)
        {
            return 0;
        }

        var size = (int)Math.Round(instances * w.ArraySizeScale);
        return size < Math.Max(2, w.MinArraySize) ? 0 : Math.Min(size, w.MaxArraySize);
    }

    private CeConfig MakeConfig(string state, IReadOnlyList<string> entries, int min, int desired, int max, int? bid, string? strategy, double interruption)
    {
        var types = InstanceCatalog.Default.Expand(entries);
        foreach (var t in types)
        {
            if (!_typeIndex.ContainsKey(t.Name))
            {
                _typeIndex[t.Name] = (short)_typeTable.Count;
                _typeTable.Add(t);
            }
        }

        return new CeConfig(state, entries, types, min, desired, max, bid, strategy, interruption);
    }

    internal void EnsureGenerated(long now)
    {
        if (now + (GenerationLead / 2) <= Volatile.Read(ref _generatedUntil)) return;
        _lock.EnterWriteLock();
        try
        {
            GenerateUntil(now + GenerationLead);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void GenerateUntil(long until)
    {
        if (until <= _generatedUntil) return;
        var w = Scenario.Workload;
        while (true)
        {
            var k = _jobCount;
            var row = _rows[k % _rows.Length];
            long cycle = k / _rows.Length;
            var created = OriginMs + (cycle * _cycleMs) + (long)((row.CreateOffsetSeconds - _minCreate) * _msPerTraceSecond);
            // Strictly increasing creation times give a total newest-first order without ties.
            created = Math.Max(created, _lastCreated + 1);
            if (created > until) break;

            var key = Hash.Of((ulong)Seed, (ulong)k, 7);
            var rng = new Rng(key);
            var def = PickDefinition(rng.NextDouble());
            var spec = def.Spec;
            var vcpus = spec.Vcpus ?? Math.Max(1, (int)Math.Round(row.CpuPercentOfCore / 100.0 * w.CpuScale));
            var memory = spec.MemoryMiB ?? RoundUp((int)(row.MemoryNormalized * w.MemoryMachineGiB * 1024 * w.MemoryScale), 256, 512);
            if (def.IsFargate) (vcpus, memory) = FargateShape(vcpus, memory);
            var record = new JobRecord
            {
                CreatedAt = created,
                Id = Hash.Uuid((ulong)Seed, (ulong)k),
                Key = key,
                Row = k % _rows.Length,
                Def = (short)def.Index,
                Queue = (byte)def.QueueIndex,
                Vcpus = vcpus,
                MemoryMiB = memory,
                Gpus = (byte)(spec.Gpus ?? 0),
                ArraySize = def.IsMultinode || !spec.AllowArrays ? 0 : ArraySizeFor(row.Instances, w),
                BaseDurationMs = Math.Clamp((long)(row.DurationSeconds * w.DurationScale * Second), 30 * Second, 24 * Hour),
                TraceFailed = row.Status == TraceStatus.Failed,
                AttemptStart = _attemptCount,
            };
            record.PendingAt = created + (long)rng.Between(200, 2000);
            record.RunnableAt = record.PendingAt + (long)rng.Between(500, 5000);
            if (record.ArraySize == 0)
            {
                // Reserve the most attempts this job can ever need so a recompute rewrites in place.
                EnsureAttemptCapacity(spec.RetryAttempts);
                _attemptCount += spec.RetryAttempts;
            }

            if (_jobCount == _jobs.Length) Array.Resize(ref _jobs, _jobs.Length * 2);
            _jobs[_jobCount] = record;
            ComputeTimeline(ref _jobs[_jobCount]);
            _byId[record.Id] = _jobCount;
            Queues[record.Queue].Jobs.Add(_jobCount);
            _jobCount++;
            _lastCreated = created;
        }

        Volatile.Write(ref _generatedUntil, until);
    }

    private void EnsureAttemptCapacity(int extra)
    {
        if (_attemptCount + extra > _attempts.Length)
        {
            Array.Resize(ref _attempts, Math.Max(_attempts.Length * 2, _attemptCount + extra));
        }
    }

    private JobDefinitionInfo PickDefinition(double u)
    {
        for (var i = 0; i < _defCumulativeWeights.Length; i++)
        {
            if (u < _defCumulativeWeights[i]) return JobDefinitions[i];
        }

        return JobDefinitions[^1];
    }

    private static int RoundUp(int value, int step, int min) => Math.Max(min, (value + step - 1) / step * step);

    /// <summary>Snaps a shape to a valid Fargate vCPU/memory combination (1-16 vCPUs, 2-120 GiB).</summary>
    private static (int Vcpus, int MemoryMiB) FargateShape(int vcpus, int memory)
    {
        var v = vcpus <= 1 ? 1 : vcpus <= 2 ? 2 : vcpus <= 4 ? 4 : vcpus <= 8 ? 8 : 16;
        var (minGiB, maxGiB) = v switch { 1 => (2, 8), 2 => (4, 16), 4 => (8, 30), 8 => (16, 60), _ => (32, 120) };
        var gib = Math.Clamp((memory + 1023) / 1024, minGiB, maxGiB);
        return (v, gib * 1024);
    }

    private void ComputeTimeline(ref JobRecord job)
    {
        var def = JobDefinitions[job.Def];
        if (job.ArraySize > 0)
        {
            long firstDecision = long.MaxValue, firstStart = long.MaxValue, lastStop = long.MinValue;
            var failed = false;
            Span<AttemptRecord> buffer = stackalloc AttemptRecord[def.Spec.RetryAttempts];
            for (var i = 0; i < job.ArraySize; i++)
            {
                var child = ComputeChild(job, i, buffer, out _);
                firstDecision = Math.Min(firstDecision, child.StartDecisionAt);
                firstStart = Math.Min(firstStart, child.StartedAt);
                lastStop = Math.Max(lastStop, child.StoppedAt);
                failed |= child.Failed;
            }

            job.StartDecisionAt = firstDecision;
            job.StartedAt = firstStart;
            job.StoppedAt = lastStop;
            job.Failed = failed;
            return;
        }

        var span = _attempts.AsSpan(job.AttemptStart, def.Spec.RetryAttempts);
        var count = ComputeAttempts(job.Key, job, job.RunnableAt, job.TraceFailed, span);
        Apply(ref job, span[..count]);
    }

    private static void Apply(ref JobRecord job, ReadOnlySpan<AttemptRecord> attempts)
    {
        job.AttemptCount = (byte)attempts.Length;
        if (attempts.Length == 0)
        {
            job.StartDecisionAt = job.StartedAt = job.StoppedAt = long.MaxValue;
            job.Failed = false;
            return;
        }

        job.StartDecisionAt = attempts[0].DecisionAt;
        job.StartedAt = attempts[0].StartedAt;
        job.StoppedAt = attempts[^1].StoppedAt;
        job.Failed = attempts[^1].Outcome != AttemptOutcome.Succeeded;
    }

    /// <summary>Derives array child i of a parent (children are never stored).</summary>
    internal JobRecord ComputeChild(in JobRecord parent, int index, Span<AttemptRecord> buffer, out int attemptCount)
    {
        var def = JobDefinitions[parent.Def];
        var key = Hash.Of(parent.Key, (ulong)index + 1, 3);
        // Children run in waves: the CE runs a bounded number at once.
        var concurrency = Math.Max(4, 256 / Math.Max(1, parent.Vcpus));
        var wave = index / concurrency;
        var readyAt = parent.RunnableAt + (wave * (long)(parent.BaseDurationMs * 1.2)) + (index % concurrency * 50L);
        // A failed trace task fails about a third of its children; the rest succeed.
        var failed = parent.TraceFailed && (Hash.Of(key, 5) % 100) < 30;
        var child = parent;
        child.Key = key;
        child.ArraySize = 0;
        attemptCount = ComputeAttempts(key, parent, readyAt, failed, buffer[..def.Spec.RetryAttempts]);
        Apply(ref child, buffer[..attemptCount]);
        return child;
    }

    private int ComputeAttempts(ulong key, in JobRecord job, long readyAt, bool traceFailed, Span<AttemptRecord> buffer)
    {
        var queue = Queues[job.Queue];
        var def = JobDefinitions[job.Def];
        var rng = new Rng(Hash.Of(key, 17));
        var t = readyAt + Second + (long)Math.Min(rng.Exponential(queue.MeanWaitMs), 20 * queue.MeanWaitMs);
        var n = 0;
        while (n < buffer.Length)
        {
            if (!TryPlace(queue, def, job, t, ref rng, out var ce, out var typeIndex))
            {
                // A retry that no CE can take ends the job with its last failure.
                if (n > 0) break;
                var next = NextFitTime(queue, def, job, t);
                if (next == long.MaxValue) break;
                t = next + (5 * Second);
                continue;
            }

            var cfg = ce.At(t);
            var starting = ce.IsFargate ? rng.Between(30, 75) : rng.Between(20, 120);
            var started = t + (long)(starting * Second);
            var duration = (long)(job.BaseDurationMs * rng.Between(0.85, 1.15));
            var u = rng.NextDouble();
            var v = rng.NextDouble();
            AttemptOutcome outcome;
            long stopped;
            if (ce.IsSpot && u < cfg.EffectiveInterruptionRate * ReclaimPressure(ce, typeIndex, t, rng, started))
            {
                outcome = AttemptOutcome.SpotReclaim;
                stopped = started + (long)(duration * (0.05 + (0.9 * v)));
            }
            else if (traceFailed)
            {
                outcome = v < 0.35 ? AttemptOutcome.OutOfMemory : AttemptOutcome.AppError;
                stopped = started + (long)(duration * (0.1 + (0.8 * v)));
            }
            else if (u > 0.97)
            {
                // Transient failures the retry strategy absorbs.
                outcome = AttemptOutcome.AppError;
                stopped = started + (long)(duration * (0.05 + (0.5 * v)));
            }
            else
            {
                outcome = AttemptOutcome.Succeeded;
                stopped = started + duration;
            }

            // Jobs share instances: an instance is identified by CE, type, a 4-hour window and one of 4 slots.
            var slot = (byte)rng.NextInt(InstanceSlots);
            buffer[n++] = new AttemptRecord
            {
                DecisionAt = t,
                StartedAt = started,
                StoppedAt = Math.Max(stopped, started + Second),
                Slot = slot,
                TypeIndex = typeIndex,
                CeIndex = (byte)ce.Index,
                Outcome = outcome,
            };
            if (outcome == AttemptOutcome.Succeeded) break;
            t = buffer[n - 1].StoppedAt + (long)(rng.Between(5, 60) * Second);
        }

        return n;
    }

    /// <summary>
    /// The Spot price pressure on the instance an attempt lands on: its pool (type and zone, as DescribeContainerInstances
    /// derives them) runs high → likelier reclaim. Peeks at the slot the caller draws next, so the draws stay as before.
    /// </summary>
    private double ReclaimPressure(ComputeEnvironment ce, short typeIndex, long decisionAt, Rng rng, long startedAt)
    {
        var slot = rng.NextInt(InstanceSlots);
        var zone = (char)('a' + (int)(Hash.Of(InstanceKey(ce.Index, typeIndex, decisionAt / InstanceWindow, slot), 21) % 3));
        return SpotMarket.ReclaimPressure($"{Region}{zone}", _typeTable[typeIndex].Name, startedAt);
    }

    private bool TryPlace(JobQueue queue, JobDefinitionInfo def, in JobRecord job, long t, ref Rng rng, out ComputeEnvironment ce, out short typeIndex)
    {
        foreach (var ceIndex in queue.CeOrder)
        {
            ce = ComputeEnvironments[ceIndex];
            var cfg = ce.At(t);
            if (cfg.State != "ENABLED" || ce.IsFargate != def.IsFargate || !ce.HasNetworkPath) continue;
            if (ce.IsFargate)
            {
                if (job.Vcpus <= FargateMaxVcpus && job.MemoryMiB <= FargateMaxMemoryMiB && job.Gpus == 0)
                {
                    typeIndex = -1;
                    return true;
                }

                continue;
            }

            // BEST_FIT_PROGRESSIVE-like: one of the three smallest types that fit (ECS keeps ~6% of memory back).
            var fitting = 0;
            foreach (var type in cfg.Types)
            {
                if (Fits(type, job)) fitting++;
            }

            if (fitting == 0) continue;
            var pick = rng.NextInt(Math.Min(3, fitting));
            foreach (var type in cfg.Types)
            {
                if (!Fits(type, job)) continue;
                if (pick-- == 0)
                {
                    typeIndex = _typeIndex[type.Name];
                    return true;
                }
            }
        }

        ce = null!;
        typeIndex = -1;
        return false;
    }

    private static bool Fits(InstanceTypeInfo type, in JobRecord job) =>
        type.Vcpus >= job.Vcpus && type.MemoryMiB * 94L / 100 >= job.MemoryMiB && type.Gpus >= job.Gpus;

    /// <summary>The first CE update after t that lets some CE of the queue run the job.</summary>
    private long NextFitTime(JobQueue queue, JobDefinitionInfo def, in JobRecord job, long t)
    {
        var candidates = queue.CeOrder.SelectMany(i => ComputeEnvironments[i].Versions).Where(v => v.From > t).Select(v => v.From).Order();
        foreach (var at in candidates)
        {
            var probe = new Rng(0);
            if (TryPlace(queue, def, job, at, ref probe, out _, out _)) return at;
        }

        return long.MaxValue;
    }

    /// <summary>
    /// Applies new CE settings from "now" on and recomputes every decision that lies after now.
    /// Returns an error message (ClientException) or null.
    /// </summary>
    internal string? UpdateComputeEnvironment(ComputeEnvironment ce, string? state, IReadOnlyList<string>? instanceTypes,
        int? min, int? desired, int? max, int? bid, string? strategy)
    {
        _lock.EnterWriteLock();
        try
        {
            var current = ce.Current;
            if (state is not (null or "ENABLED" or "DISABLED")) return $"Invalid state '{state}'. Valid values are ENABLED, DISABLED.";
            if (ce.IsFargate && (instanceTypes is not null || bid is not null || strategy is not null))
                return "instanceTypes, bidPercentage and allocationStrategy are not supported for Fargate compute environments.";
            if (bid is not null && !ce.IsSpot) return "bidPercentage can only be specified for SPOT compute environments.";
            if (bid is < 0 or > 100) return "bidPercentage must be between 0 and 100.";
            if (instanceTypes is not null)
            {
                var unknown = instanceTypes.FirstOrDefault(t => !InstanceCatalog.Default.IsKnownTypeOrFamily(t));
                if (unknown is not null) return $"Instance type {unknown} is not supported.";
                if (instanceTypes.Count == 0) return "instanceTypes must not be empty.";
            }

            if (strategy is not (null or "BEST_FIT_PROGRESSIVE" or "SPOT_CAPACITY_OPTIMIZED" or "SPOT_PRICE_CAPACITY_OPTIMIZED"))
                return $"Invalid allocationStrategy '{strategy}'.";
            var newMin = min ?? current.MinvCpus;
            var newMax = max ?? current.MaxvCpus;
            var newDesired = desired ?? Math.Max(current.DesiredvCpus, newMin);
            if (newMin < 0 || newMax < newMin) return "minvCpus must be between 0 and maxvCpus.";
            if (desired is not null)
            {
                // AWS's own wording (error-desired-vcpus-update.html).
                if (desired < current.DesiredvCpus)
                    return "Manually scaling down compute environment is not supported. Disconnecting job queues from compute environment will cause it to scale-down to minvCpus.";
                if (desired < newMin || desired > newMax) return "desiredvCpus must be between minvCpus and maxvCpus.";
            }

            newDesired = Math.Min(newDesired, newMax);
            var config = MakeConfig(state ?? current.State, instanceTypes ?? current.InstanceTypeEntries, newMin, newDesired, newMax,
                bid ?? current.BidPercentage, strategy ?? current.AllocationStrategy, current.InterruptionRate);
            var now = NowMs;
            ce.AddVersion(now + 1, config);
            if (instanceTypes is not null || bid is not null || strategy is not null) ce.UpdatingUntil = now + (90 * Second);
            foreach (var queue in Queues.Where(q => q.CeOrder.Contains(ce.Index)))
            {
                foreach (var i in queue.Jobs)
                {
                    if (_jobs[i].StoppedAt > now) ComputeTimeline(ref _jobs[i]);
                }
            }

            return null;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Dispose() => _lock.Dispose();

    internal string CeStatusAt(ComputeEnvironment ce, long now) => now < ce.UpdatingUntil ? "UPDATING" : "VALID";
}
