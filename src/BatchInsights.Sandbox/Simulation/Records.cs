namespace BatchInsights.Sandbox.Simulation;

internal enum JobState : byte
{
    Submitted,
    Pending,
    Runnable,
    Starting,
    Running,
    Succeeded,
    Failed,
}

internal enum AttemptOutcome : byte
{
    Succeeded,
    AppError,
    OutOfMemory,
    SpotReclaim,
}

internal enum JobKind : byte
{
    Single,
    ArrayParent,
    ArrayChild,
    MultiNode,
    MultiNodeNode,
}

/// <summary>One attempt of a job: when Batch decided to place it, when it ran, how it ended.</summary>
internal struct AttemptRecord
{
    public long DecisionAt;
    public long StartedAt;
    public long StoppedAt;
    /// <summary>Which of the CE's instances of this type in this 4-hour window ran it (see BatchAccount.InstanceKey).</summary>
    public byte Slot;
    public short TypeIndex;
    public byte CeIndex;
    public AttemptOutcome Outcome;

    public readonly int? ExitCode => Outcome switch
    {
        AttemptOutcome.Succeeded => 0,
        AttemptOutcome.AppError => 1,
        AttemptOutcome.OutOfMemory => 137,
        _ => null, // a reclaimed host reports no exit code
    };
}

/// <summary>
/// A job's whole timeline, fixed at generation (and recomputed only for decisions after a CE update), so that
/// its status is a pure, monotonic function of "now". Compact: ~100 bytes; array children are not stored.
/// </summary>
internal struct JobRecord
{
    public long CreatedAt;
    public long PendingAt;
    public long RunnableAt;
    /// <summary>First placement (STARTING); long.MaxValue while nothing can run it.</summary>
    public long StartDecisionAt;
    /// <summary>First attempt's start (RUNNING); for an array parent the first child's.</summary>
    public long StartedAt;
    /// <summary>End of the last attempt; long.MaxValue when the job never ends.</summary>
    public long StoppedAt;
    public Guid Id;
    public ulong Key;
    public long BaseDurationMs;
    public int Row;
    public int AttemptStart;
    public int ArraySize;
    public int Vcpus;
    public int MemoryMiB;
    public short Def;
    public byte Queue;
    public byte AttemptCount;
    public byte Gpus;
    public bool Failed;
    public bool TraceFailed;

    public readonly JobState StatusAt(long t, bool arrayParent)
    {
        if (t < PendingAt) return JobState.Submitted;
        if (t < RunnableAt) return JobState.Pending;
        if (arrayParent)
        {
            // An array parent stays PENDING until a child runs, then RUNNING until every child ended.
            if (t < StartedAt) return JobState.Pending;
            if (t < StoppedAt) return JobState.Running;
            return Failed ? JobState.Failed : JobState.Succeeded;
        }

        if (t < StartDecisionAt) return JobState.Runnable;
        if (t < StartedAt) return JobState.Starting;
        // Between attempts the job stays RUNNING here (AWS briefly shows RUNNABLE) so statuses never go backwards.
        if (t < StoppedAt) return JobState.Running;
        return Failed ? JobState.Failed : JobState.Succeeded;
    }
}
