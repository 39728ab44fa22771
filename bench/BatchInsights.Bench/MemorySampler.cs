using System.Diagnostics;

namespace BatchInsights.Bench;

/// <summary>
/// Samples the managed heap every 50 ms to find its peak (the runtime keeps no such figure);
/// the working-set peak comes from the OS through <see cref="Process.PeakWorkingSet64"/>.
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakHeap;
    private long _peakWorkingSet;

    public MemorySampler()
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                do
                {
                    Sample();
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        });
    }

    public long PeakHeapBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peakHeap);
        }
    }

    /// <summary>The largest working set sampled since this sampler started (unlike the process-lifetime peak).</summary>
    public long SampledPeakWorkingSetBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peakWorkingSet);
        }
    }

    public static long PeakWorkingSetBytes
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return process.PeakWorkingSet64;
        }
    }

    public static long WorkingSetBytes
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }

    private void Sample()
    {
        // GC.GetTotalMemory(false) counts live objects plus garbage not yet collected: the heap the GC holds.
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        Raise(ref _peakHeap, heap);
        Raise(ref _peakWorkingSet, WorkingSetBytes);
    }

    private static void Raise(ref long peak, long value)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref peak);
        }
        while (value > seen && Interlocked.CompareExchange(ref peak, value, seen) != seen);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
