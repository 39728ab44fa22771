using System.Globalization;

namespace BatchInsights.Sandbox.Simulation;

internal enum TraceStatus : byte
{
    Terminated,
    Failed,
    Running,
    Waiting,
}

/// <summary>One Alibaba 2017 batch task (Data/alibaba-2017-batch-tasks-first-half.csv).</summary>
internal readonly record struct TraceRow(
    int CreateOffsetSeconds,
    int DurationSeconds,
    int Instances,
    TraceStatus Status,
    float CpuPercentOfCore,
    float MemoryNormalized,
    int JobId,
    int TaskId);

internal sealed class WorkloadTrace
{
    private static readonly Lazy<WorkloadTrace> Lazy = new(LoadEmbedded);

    private WorkloadTrace(TraceRow[] rows)
    {
        Rows = rows;
        SpanSeconds = Math.Max(1, rows[^1].CreateOffsetSeconds - rows[0].CreateOffsetSeconds + 1);
    }

    public static WorkloadTrace Default => Lazy.Value;

    /// <summary>Rows sorted by create time (stable, so the file order breaks ties).</summary>
    public TraceRow[] Rows { get; }

    public int SpanSeconds { get; }

    private static WorkloadTrace LoadEmbedded()
    {
        using var stream = EmbeddedData.Open("alibaba-2017-batch-tasks-first-half.csv");
        using var reader = new StreamReader(stream);
        _ = reader.ReadLine();
        var rows = new List<TraceRow>(32_000);
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',');
            var create = int.Parse(f[0], CultureInfo.InvariantCulture);
            var end = int.Parse(f[1], CultureInfo.InvariantCulture);
            var status = f[5] switch
            {
                "Failed" => TraceStatus.Failed,
                "Running" => TraceStatus.Running,
                "Waiting" => TraceStatus.Waiting,
                _ => TraceStatus.Terminated,
            };
            // Blank cpu/memory (some Waiting tasks): one core and the trace's median memory share.
            var cpu = f[6].Length == 0 ? 100f : float.Parse(f[6], CultureInfo.InvariantCulture);
            var mem = f[7].Length == 0 ? 0.0054f : float.Parse(f[7], CultureInfo.InvariantCulture);
            // Tasks that were still Waiting/Running at trace end (or have end < create) get a nominal minute.
            var duration = end > create ? end - create : 60;
            rows.Add(new TraceRow(create, duration, Math.Max(1, int.Parse(f[4], CultureInfo.InvariantCulture)), status, cpu, mem,
                int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)));
        }

        return new WorkloadTrace(rows.OrderBy(r => r.CreateOffsetSeconds).ToArray());
    }
}

/// <summary>Stateless hashing (SplitMix64) so every random choice is a pure function of seed and keys.</summary>
internal static class Hash
{
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public static ulong Of(ulong a, ulong b) => Mix(Mix(a) ^ (b * 0xD6E8FEB86659FD93UL));

    public static ulong Of(ulong a, ulong b, ulong c) => Of(Of(a, b), c);

    public static Guid Uuid(ulong a, ulong b)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, Of(a, b, 1));
        BitConverter.TryWriteBytes(bytes[8..], Of(a, b, 2));
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    public static string Hex32(ulong a, ulong b) => $"{Of(a, b, 1):x16}{Of(a, b, 2):x16}";
}

/// <summary>A tiny deterministic generator over SplitMix64.</summary>
internal struct Rng(ulong seed)
{
    private ulong _state = seed;

    public ulong Next() => Hash.Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public double Between(double min, double max) => min + ((max - min) * NextDouble());

    public int NextInt(int maxExclusive) => (int)(Next() % (ulong)maxExclusive);

    public double Exponential(double mean) => -Math.Log(1 - NextDouble()) * mean;
}
