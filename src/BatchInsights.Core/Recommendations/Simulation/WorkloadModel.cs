namespace BatchInsights.Core.Recommendations.Simulation;

/// <summary>
/// One job to replay: it starts at <paramref name="StartSecond"/> (seconds from any fixed origin) and needs the
/// given resources for <paramref name="DurationSeconds"/>. An array job is one <see cref="WorkloadJob"/> per child.
/// </summary>
public readonly record struct WorkloadJob(long StartSecond, long DurationSeconds, double Vcpus, double MemoryGib, int Gpus = 0)
{
    public long EndSecond => StartSecond + DurationSeconds;
}

/// <summary>An instance type as the bound and the simulator see it: capacity only (prices live in a <see cref="PriceSchedule"/>).</summary>
public sealed record MachineType(string Name, double Vcpus, double MemoryGib, int Gpus = 0)
{
    public bool Fits(in WorkloadJob job) => job.Vcpus <= Vcpus && job.MemoryGib <= MemoryGib && job.Gpus <= Gpus;
}
