using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;

namespace BatchInsights.Core.Harvesting;

/// <summary>Turns Batch snapshots into rows to upsert.</summary>
internal static class JobMapping
{
    public static JobWrite FromDetail(AwsTarget target, JobSnapshot job, string queueName)
    {
        var row = new JobRow
        {
            Account = target.Account,
            Region = target.Region,
            JobId = job.JobId,
            JobName = job.JobName,
            JobArn = job.JobArn,
            QueueName = queueName,
            Status = job.Status,
            StatusReason = job.StatusReason,
            CreatedAtMs = job.CreatedAtMs,
            StartedAtMs = job.StartedAtMs,
            StoppedAtMs = job.StoppedAtMs,
            JobDefinitionArn = job.JobDefinitionArn,
            Vcpus = job.Vcpus,
            MemoryMib = job.MemoryMib,
            Gpus = job.Gpus,
            ArrayParentId = job.ArrayIndex is null ? null : ParentIdOf(job.JobId),
            ArrayIndex = job.ArrayIndex,
            ArraySize = job.ArraySize,
            NumNodes = job.NumNodes,
            ShareIdentifier = job.ShareIdentifier,
            ExitCode = job.ExitCode,
            ContainerReason = job.ContainerReason,
            LogStreamName = job.LogStreamName,
            AttemptCount = job.Attempts.Count,
            TagsJson = TagsToJson(job.Tags),
            IsTerminal = job.IsTerminal,
            FromSummary = false,
        };
        var attempts = job.Attempts.Select(a => new JobAttemptRow
        {
            Account = target.Account,
            Region = target.Region,
            JobId = job.JobId,
            AttemptIndex = a.Index,
            ContainerInstanceArn = a.ContainerInstanceArn,
            TaskArn = a.TaskArn,
            StartedAtMs = a.StartedAtMs,
            StoppedAtMs = a.StoppedAtMs,
            ExitCode = a.ExitCode,
            Reason = a.Reason,
            StatusReason = a.StatusReason,
            LogStreamName = a.LogStreamName,
        }).ToList();
        return new JobWrite(row, attempts);
    }

    /// <summary>
    /// An array child known only from ListJobs: children run with the parent's resources, so those are
    /// copied from the parent instead of describing thousands of children.
    /// </summary>
    public static JobWrite FromChildSummary(AwsTarget target, JobSummarySnapshot child, JobSnapshot parent, string queueName)
    {
        var row = FromSummary(target, child, queueName, isTerminal: BatchJobStatus.IsTerminal(child.Status));
        row.ArrayParentId = parent.JobId;
        row.JobDefinitionArn ??= parent.JobDefinitionArn;
        row.Vcpus = parent.Vcpus;
        row.MemoryMib = parent.MemoryMib;
        row.Gpus = parent.Gpus;
        row.ShareIdentifier = parent.ShareIdentifier;
        row.TagsJson = TagsToJson(parent.Tags);
        row.ArraySize = null;
        return new JobWrite(row, null);
    }

    /// <summary>
    /// A listed job DescribeJobs did not return (AWS is eventually consistent): keep what the listing said,
    /// marked unfinished so the next run describes it again.
    /// </summary>
    public static JobWrite FromListedOnly(AwsTarget target, JobSummarySnapshot job, string queueName) =>
        new(FromSummary(target, job, queueName, isTerminal: false), null);

    private static JobRow FromSummary(AwsTarget target, JobSummarySnapshot job, string queueName, bool isTerminal) => new()
    {
        Account = target.Account,
        Region = target.Region,
        JobId = job.JobId,
        JobName = job.JobName,
        QueueName = queueName,
        Status = job.Status,
        StatusReason = job.StatusReason,
        CreatedAtMs = job.CreatedAtMs,
        StartedAtMs = job.StartedAtMs,
        StoppedAtMs = job.StoppedAtMs,
        JobDefinitionArn = job.JobDefinitionArn,
        ArrayIndex = job.ArrayIndex,
        ArraySize = job.ArraySize,
        ExitCode = job.ExitCode,
        ContainerReason = job.ContainerReason,
        IsTerminal = isTerminal,
        FromSummary = true,
    };

    /// <summary>Array children are "parentId:index" in AWS Batch.</summary>
    private static string? ParentIdOf(string childId)
    {
        var colon = childId.LastIndexOf(':');
        return colon > 0 ? childId[..colon] : null;
    }

    /// <summary>Tags as a JSON object with sorted keys (stable, so an unchanged job compares equal), or null when none.</summary>
    public static string? TagsToJson(IReadOnlyDictionary<string, string>? tags) =>
        tags is null || tags.Count == 0
            ? null
            : System.Text.Json.JsonSerializer.Serialize(new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal));
}
