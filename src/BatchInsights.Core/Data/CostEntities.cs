namespace BatchInsights.Core.Data;

/// <summary>
/// What one job attempt cost (Core/Costs attribution): the instance it ran on and the attempt's share of that instance's
/// cost while it ran. Money in micro-USD (ADR 0002). Rewritten whole by each roll-up run that touches the attempt.
/// </summary>
public sealed class AttemptCostRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string JobId { get; set; }
    public int AttemptIndex { get; set; }
    /// <summary>The CE the instance belongs to (or the queue's first CE when estimated); "" when unknown.</summary>
    public string ComputeEnvironment { get; set; } = "";
    public string QueueName { get; set; } = "";
    /// <summary>Job definition name without revision; "" when unknown.</summary>
    public string JobDefinition { get; set; } = "";
    public string ShareIdentifier { get; set; } = "";
    /// <summary>The job's tags of interest (Costs:TagKeys) as a JSON object; null when it has none of them.</summary>
    public string? TagsJson { get; set; }
    public long StartedAtMs { get; set; }
    public long StoppedAtMs { get; set; }
    public string? InstanceId { get; set; }
    public string? InstanceType { get; set; }
    public string? AvailabilityZone { get; set; }
    /// <summary>spot | on-demand | fargate | fargate-spot (<see cref="Costs.CostLifecycle"/>).</summary>
    public required string Lifecycle { get; set; }
    /// <summary>The attempt's reserved fraction of the instance (the larger of its vCPU, memory and GPU fractions).</summary>
    public double Share { get; set; }
    public long CostMicroUsd { get; set; }
    /// <summary>True when the instance, its type or its price was guessed; <see cref="EstimateBasis"/> says how.</summary>
    public bool Estimated { get; set; }
    public string? EstimateBasis { get; set; }
}

/// <summary>
/// Cost roll-up per period (an hour or a UTC day) and dimension set, so pages and reports never scan attempts.
/// Rows with <see cref="IsIdle"/> hold a CE's idle/unallocated cost (queue, definition, tag and share empty).
/// Each <see cref="TagKey"/> is a complete copy of the period's costs split by that tag's value: sum within ONE tag key.
/// </summary>
public sealed class CostRollupRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    /// <summary>1 (hourly) or 24 (daily, UTC).</summary>
    public int PeriodHours { get; set; }
    public long PeriodStartMs { get; set; }
    public string ComputeEnvironment { get; set; } = "";
    public string QueueName { get; set; } = "";
    public string JobDefinition { get; set; } = "";
    public string TagKey { get; set; } = "";
    /// <summary>The job's value of <see cref="TagKey"/>; "" when it has no such tag.</summary>
    public string TagValue { get; set; } = "";
    public string ShareIdentifier { get; set; } = "";
    public required string Lifecycle { get; set; }
    public bool IsIdle { get; set; }
    public long CostMicroUsd { get; set; }
    /// <summary>The part of <see cref="CostMicroUsd"/> that rests on an estimate.</summary>
    public long EstimatedMicroUsd { get; set; }
    /// <summary>Attempts that had cost in this period (an attempt spanning periods counts in each).</summary>
    public int Attempts { get; set; }
}
