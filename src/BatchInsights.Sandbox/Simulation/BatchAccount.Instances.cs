using System.Globalization;

namespace BatchInsights.Sandbox.Simulation;

/// <summary>
/// One EC2 instance a managed EC2/Spot CE launched: every attempt the simulation placed on the same
/// (CE, type, 4-hour window, slot) ran on it. Derived from the attempts, so DescribeJobs, EC2 DescribeInstances and
/// ECS DescribeContainerInstances always agree.
/// </summary>
internal sealed record SimInstance(
    ulong Key,
    string InstanceId,
    string ContainerInstanceId,
    ComputeEnvironment Ce,
    string InstanceType,
    string Zone,
    bool Spot,
    long LaunchMs,
    long EndMs,
    bool Reclaimed)
{
    public string ContainerInstanceArn(string region, string account) =>
        $"arn:aws:ecs:{region}:{account}:container-instance/{Ce.ClusterName}/{ContainerInstanceId}";

    /// <summary>The ECS agent registers a little after boot.</summary>
    public long RegisteredAtMs => LaunchMs + 45_000;
}

internal sealed partial class BatchAccount
{
    /// <summary>
    /// Batch scales a CE's idle instances in after a few minutes; the simulation keeps an instance for its whole
    /// 4-hour placement window (attempts land on it until the window ends) and this long after its last job.
    /// </summary>
    internal const long ScaleInDelayMs = 5 * 60 * 1000;

    private readonly Lock _instanceGate = new();
    private (int JobCount, int Versions, IReadOnlyList<SimInstance> All, Dictionary<string, SimInstance> ByContainerId)? _instances;

    /// <summary>
    /// Every instance launched up to <paramref name="now"/> (launch ≤ now), including ones that have since terminated.
    /// Callers apply AWS's visibility windows (terminated instances listed for about an hour).
    /// </summary>
    public IReadOnlyList<SimInstance> InstancesLaunchedBy(long now) =>
        InstanceIndex().All.Where(i => i.LaunchMs <= now).ToList();

    /// <summary>The instance behind a container instance id (the last part of its ARN) in a cluster; null when unknown or not launched yet.</summary>
    public SimInstance? FindInstanceByContainerId(string clusterName, string containerInstanceId, long now) =>
        InstanceIndex().ByContainerId.TryGetValue(containerInstanceId, out var i) && i.Ce.ClusterName == clusterName && i.LaunchMs <= now ? i : null;

    private (int JobCount, int Versions, IReadOnlyList<SimInstance> All, Dictionary<string, SimInstance> ByContainerId) InstanceIndex()
    {
        var now = NowMs;
        EnsureGenerated(now);
        var versions = ComputeEnvironments.Sum(c => c.Versions.Count);
        lock (_instanceGate)
        {
            if (_instances is { } cached && cached.JobCount == Volatile.Read(ref _jobCount) && cached.Versions == versions) return cached;
            _lock.EnterReadLock();
            try
            {
                var built = BuildInstances();
                _instances = (_jobCount, versions, built, built.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal));
                return _instances.Value;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    private List<SimInstance> BuildInstances()
    {
        var acc = new Dictionary<ulong, (int Ce, short Type, long Window, long Launch, long LastStop, bool Reclaimed)>();
        void Add(in AttemptRecord at, int node)
        {
            if (at.TypeIndex < 0 || ComputeEnvironments[at.CeIndex].IsFargate) return;
            var window = at.DecisionAt / InstanceWindow;
            var key = InstanceKey(at.CeIndex, at.TypeIndex, window, at.Slot + node);
            var reclaimed = at.Outcome == AttemptOutcome.SpotReclaim;
            acc[key] = acc.TryGetValue(key, out var a)
                ? (a.Ce, a.Type, a.Window, Math.Min(a.Launch, at.DecisionAt), Math.Max(a.LastStop, at.StoppedAt), a.Reclaimed || reclaimed)
                : (at.CeIndex, at.TypeIndex, window, at.DecisionAt, at.StoppedAt, reclaimed);
        }

        Span<AttemptRecord> buffer = stackalloc AttemptRecord[JobDefinitions.Max(d => d.Spec.RetryAttempts)];
        for (var j = 0; j < _jobCount; j++)
        {
            var job = _jobs[j];
            var def = JobDefinitions[job.Def];
            if (def.IsFargate) continue;
            if (job.ArraySize > 0)
            {
                for (var c = 0; c < job.ArraySize; c++)
                {
                    ComputeChild(job, c, buffer, out var n);
                    for (var a = 0; a < n; a++) Add(buffer[a], 0);
                }

                continue;
            }

            var nodes = def.IsMultinode ? def.Spec.NumNodes : 1;
            for (var a = 0; a < job.AttemptCount; a++)
            {
                for (var node = 0; node < nodes; node++) Add(_attempts[job.AttemptStart + a], node);
            }
        }

        var result = new List<SimInstance>(acc.Count);
        foreach (var (key, a) in acc)
        {
            var ce = ComputeEnvironments[a.Ce];
            // A reclaimed Spot instance ends when its last job is killed; others idle until the window closes.
            var end = a.Reclaimed ? a.LastStop : Math.Max(a.LastStop, (a.Window + 1) * InstanceWindow) + ScaleInDelayMs;
            var zone = (char)('a' + (int)(Hash.Of(key, 21) % 3));
            result.Add(new SimInstance(key, Ec2InstanceId(key), Hash.Hex32(key, (ulong)Seed), ce, _typeTable[a.Type].Name, $"{Region}{zone}",
                ce.IsSpot, a.Launch, end, a.Reclaimed));
        }

        result.Sort((x, y) => x.LaunchMs != y.LaunchMs ? x.LaunchMs.CompareTo(y.LaunchMs) : string.CompareOrdinal(x.InstanceId, y.InstanceId));
        return result;
    }

    /// <summary>"User initiated (2026-11-26 10:00:00 GMT)", EC2's StateTransitionReason text.</summary>
    internal static string TransitionTime(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'GMT'", CultureInfo.InvariantCulture);
}
