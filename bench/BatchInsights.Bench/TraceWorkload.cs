using BatchInsights.Core.Recommendations.Simulation;
using BatchInsights.Sandbox.Simulation;

namespace BatchInsights.Bench;

/// <summary>
/// The sandbox's Alibaba 2017 batch-task trace (Sandbox/Data/alibaba-2017-batch-tasks-first-half.csv) as replay jobs,
/// scaled the way the sandbox scales it (Scenarios/default.json "workload"): vCPU = cpu% of a core × cpuScale (at least 1),
/// memory = machine share × memoryMachineGiB × memoryScale rounded up to 256 MiB (at least 512 MiB), duration ×
/// durationScale clamped to 30 s..24 h, and "instances" × arraySizeScale array children (single job below minArraySize).
/// Unlike the sandbox, every row goes to the one CE being replayed (no split over job definitions and queues), and trace
/// time is stretched by durationScale as well so that concurrency keeps the trace's shape.
/// </summary>
internal static class TraceWorkload
{
    public static List<WorkloadJob> Load(WorkloadScaling w, long windowSeconds)
    {
        var rows = WorkloadTrace.Default.Rows;
        var origin = rows[0].CreateOffsetSeconds;
        var jobs = new List<WorkloadJob>();
        foreach (var row in rows)
        {
            var start = (long)((row.CreateOffsetSeconds - origin) * w.DurationScale);
            if (start >= windowSeconds)
            {
                break; // rows are sorted by create time
            }

            var vcpus = Math.Max(1, (int)Math.Round(row.CpuPercentOfCore / 100.0 * w.CpuScale));
            var memoryMib = RoundUp((int)(row.MemoryNormalized * w.MemoryMachineGiB * 1024 * w.MemoryScale), 256, 512);
            var duration = Math.Clamp((long)(row.DurationSeconds * w.DurationScale), 30, 24 * 3600);
            var copies = Math.Max(1, ArraySize(row.Instances, w));
            var job = new WorkloadJob(start, duration, vcpus, memoryMib / 1024.0);
            for (var c = 0; c < copies; c++)
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    // Same rule as the sandbox's BatchAccount.ArraySizeFor.
    private static int ArraySize(int instances, WorkloadScaling w)
    {
        if (instances <= 1 || w.ArraySizeScale <= 0)
        {
            return 0;
        }

        var size = (int)Math.Round(instances * w.ArraySizeScale);
        return size < Math.Max(2, w.MinArraySize) ? 0 : Math.Min(size, w.MaxArraySize);
    }

    private static int RoundUp(int value, int step, int minimum) => Math.Max(minimum, (value + step - 1) / step * step);
}
