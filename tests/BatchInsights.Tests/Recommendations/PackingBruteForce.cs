using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Tests.Recommendations;

/// <summary>The exact integer optimum of tiny one-hour cases, to check that lower bounds stay below it.</summary>
internal static class PackingBruteForce
{
    /// <summary>Cheapest set of whole instances (one hour each) that holds every job: tries all counts up to one per job.</summary>
    public static double Optimum(IReadOnlyList<WorkloadJob> jobs, IReadOnlyList<MachineType> types, IReadOnlyList<double> prices)
    {
        if (jobs.Count == 0)
        {
            return 0;
        }

        var best = double.PositiveInfinity;
        var counts = new int[types.Count];
        void Enumerate(int t)
        {
            if (t == types.Count)
            {
                var hosts = types.SelectMany((type, i) => Enumerable.Repeat(type, counts[i])).ToList();
                var cost = counts.Select((n, i) => n * prices[i]).Sum();
                if (cost < best && CanPack(jobs, hosts, 0, hosts.Select(h => (h.Vcpus, h.MemoryGib)).ToArray()))
                {
                    best = cost;
                }

                return;
            }

            for (var n = 0; n <= jobs.Count; n++)
            {
                counts[t] = n;
                Enumerate(t + 1);
            }
        }

        Enumerate(0);
        return best;
    }

    private static bool CanPack(IReadOnlyList<WorkloadJob> jobs, List<MachineType> hosts, int next, (double V, double M)[] free)
    {
        if (next == jobs.Count)
        {
            return true;
        }

        for (var h = 0; h < hosts.Count; h++)
        {
            if (jobs[next].Vcpus <= free[h].V && jobs[next].MemoryGib <= free[h].M)
            {
                free[h] = (free[h].V - jobs[next].Vcpus, free[h].M - jobs[next].MemoryGib);
                var ok = CanPack(jobs, hosts, next + 1, free);
                free[h] = (free[h].V + jobs[next].Vcpus, free[h].M + jobs[next].MemoryGib);
                if (ok)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
