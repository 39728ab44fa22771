namespace BatchInsights.Sandbox.Simulation;

/// <summary>Bytes through one NAT gateway per hour: downloads (from the internet to instances) and uploads.</summary>
internal sealed record NatTraffic(long FirstHourMs, long[] DownloadBytes, long[] UploadBytes);

internal sealed partial class BatchAccount
{
    private const long MiB = 1024L * 1024;

    /// <summary>
    /// What each NAT gateway carried per hour in [fromMs, toMs), following the simulated workload: every instance
    /// launch pulls its job's image (mostly from S3, so an S3 gateway endpoint takes 90% of it off the NAT), every
    /// attempt talks to ECS/CloudWatch Logs and moves data in proportion to vCPU-hours, and each NAT has a small
    /// background (OS updates, SSM). Deterministic for a seed and clock.
    /// </summary>
    internal Dictionary<string, NatTraffic> NatTrafficByHour(long fromMs, long toMs)
    {
        var now = NowMs;
        toMs = Math.Min(toMs, now);
        var firstHour = Math.Max(fromMs, OriginMs) / Hour * Hour;
        var hours = toMs <= firstHour ? 0 : (int)((toMs - firstHour + Hour - 1) / Hour);
        var result = Network.NatGateways.ToDictionary(n => n.Id, _ => new NatTraffic(firstHour, new long[hours], new long[hours]), StringComparer.Ordinal);
        if (hours == 0) return result;

        for (var n = 0; n < Network.NatGateways.Count; n++)
        {
            var traffic = result[Network.NatGateways[n].Id];
            for (var h = 0; h < hours; h++)
            {
                var jitter = (long)(Hash.Of((ulong)Seed, (ulong)(firstHour / Hour) + (ulong)h, (ulong)n + 1) % 20);
                traffic.DownloadBytes[h] += (25 + jitter) * MiB;
                traffic.UploadBytes[h] += (6 + (jitter / 4)) * MiB;
            }
        }

        // Per CE and instance zone (a, b, c as the instances are placed): the NAT its subnet routes to, and how much of
        // an image pull goes through it.
        var routes = new (string? Nat, double PullShare)[ComputeEnvironments.Count, 3];
        for (var c = 0; c < ComputeEnvironments.Count; c++)
        {
            var ce = ComputeEnvironments[c];
            var subnets = ce.Subnets.Select(id => Network.SubnetsById.GetValueOrDefault(id)).OfType<SimSubnet>().ToList();
            for (var z = 0; z < 3; z++)
            {
                if (subnets.Count == 0) continue;
                var zone = $"{Region}{(char)('a' + z)}";
                var subnet = subnets.FirstOrDefault(s => s.Zone == zone) ?? subnets[z % subnets.Count];
                var nat = Network.DefaultRouteOf(subnet)?.NatGatewayId;
                routes[c, z] = (nat, Network.HasEndpoint(subnet.VpcId, "s3") ? 0.1 : 1.0);
            }
        }

        EnsureGenerated(now);
        var launched = new HashSet<ulong>();
        _lock.EnterReadLock();
        try
        {
            Span<AttemptRecord> buffer = stackalloc AttemptRecord[10];
            for (var i = 0; i < _jobCount; i++)
            {
                ref readonly var job = ref _jobs[i];
                if (job.CreatedAt >= toMs) break;
                if (job.StoppedAt < firstHour || job.StartDecisionAt == long.MaxValue) continue;
                var def = JobDefinitions[job.Def];
                if (def.IsFargate) continue;
                var pullBytes = (long)((0.5 + (Hash.Of((ulong)Seed, (ulong)def.Index, 31) % 2500 / 1000.0)) * 1024 * MiB);
                if (job.ArraySize == 0)
                {
                    Add(_attempts.AsSpan(job.AttemptStart, job.AttemptCount), job.Vcpus, pullBytes);
                    continue;
                }

                for (var k = 0; k < job.ArraySize; k++)
                {
                    ComputeChild(job, k, buffer[..def.Spec.RetryAttempts], out var count);
                    Add(buffer[..count], job.Vcpus, pullBytes);
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return result;

        void Add(ReadOnlySpan<AttemptRecord> attempts, int vcpus, long pullBytes)
        {
            foreach (var at in attempts)
            {
                if (at.StartedAt < firstHour || at.StartedAt >= toMs) continue;
                var key = InstanceKey(at.CeIndex, at.TypeIndex, at.DecisionAt / InstanceWindow, at.Slot);
                var (nat, pullShare) = routes[at.CeIndex, (int)(Hash.Of(key, 21) % 3)];
                if (nat is null) continue;
                var traffic = result[nat];
                var h = (int)((at.StartedAt - firstHour) / Hour);
                var runHours = (Math.Min(at.StoppedAt, now) - at.StartedAt) / (double)Hour;
                var down = (40 * MiB) + (long)(vcpus * runHours * 40 * MiB);
                var up = (10 * MiB) + (long)(vcpus * runHours * 8 * MiB);
                if (launched.Add(key)) down += (long)(pullBytes * pullShare);
                traffic.DownloadBytes[h] += down;
                traffic.UploadBytes[h] += up;
            }
        }
    }
}
