using System.Text.RegularExpressions;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Harvesting;

/// <summary>Gives the ECS client of one target.</summary>
public delegate IEcsApi EcsApiFactory(AwsTarget target);

/// <summary>
/// Harvests which EC2 instances the managed EC2/Spot CEs launched (DescribeInstances, tag key AWSBatchServiceTag) and
/// where each job attempt ran (DescribeContainerInstances for attempts' containerInstanceArn, 100 per call per cluster).
/// Instances are upserted (first/last seen, terminated time and reason), so hours accumulate although EC2 lists a
/// terminated instance only for about an hour. Container instances are asked about once: mapped and MISSING ones are
/// never asked again; each batch is saved before the next, so a stopped run resumes where it was. A missing permission on
/// one API makes the run Partial (naming it) while the other API's data still arrives.
/// </summary>
public sealed partial class InstanceHarvester(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    Ec2ApiFactory ec2Factory,
    EcsApiFactory ecsFactory,
    IHarvestNotifier notifier,
    TimeProvider time,
    ILogger<InstanceHarvester> logger)
{
    public const string Kind = "instances";

    /// <summary>The tag AWS Batch's service-linked role requires on every instance it launches.</summary>
    public const string BatchServiceTag = "AWSBatchServiceTag";

    private readonly HarvestRunRecorder _runs = new(dbFactory, notifier, time);

    public Task HarvestAllAsync(IEnumerable<AwsTarget> targets, CancellationToken cancellationToken) =>
        HarvestRunRecorder.ForEachTargetAsync("Instance harvest", targets, t => HarvestAsync(t, cancellationToken), cancellationToken);

    /// <summary>Harvests one target; returns the finished run (Succeeded or Partial); throws after recording a failure.</summary>
    public async Task<HarvestRunRow> HarvestAsync(AwsTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var run = await _runs.StartAsync(target, Kind, cancellationToken);
        IEc2Api? ec2 = null;
        IEcsApi? ecs = null;
        var denied = new List<string>();
        long written = 0;
        long Calls() => (ec2?.Stats.Calls ?? 0) + (ecs?.Stats.Calls ?? 0);
        long Throttled() => (ec2?.Stats.Throttled ?? 0) + (ecs?.Stats.Throttled ?? 0);
        try
        {
            ec2 = ec2Factory(target);
            ecs = ecsFactory(target);
            var ces = await ReadComputeEnvironmentsAsync(target, cancellationToken);
            try
            {
                written += await HarvestInstancesAsync(ec2, target, ces, cancellationToken);
            }
            catch (AwsApiException ex) when (IsAccessDenied(ex))
            {
                denied.Add(ex.Message);
            }

            try
            {
                written += await MapContainerInstancesAsync(ecs, target, ces, cancellationToken);
            }
            catch (AwsApiException ex) when (IsAccessDenied(ex))
            {
                denied.Add(ex.Message);
            }

            written += await EstimateMissingAsync(target, ces, cancellationToken);
        }
        catch (Exception ex)
        {
            var error = HarvestRunRecorder.ErrorOf(ex);
            await _runs.FinishAsync(run, HarvestOutcome.Failed, error, Calls(), Throttled(), written);
            logger.LogError(ex, "Instance harvest {RunId} of {Target} failed: {Error}", run.Id, target, error);
            throw;
        }
        finally
        {
            (ec2 as IDisposable)?.Dispose();
            (ecs as IDisposable)?.Dispose();
        }

        var outcome = denied.Count == 0 ? HarvestOutcome.Succeeded : HarvestOutcome.Partial;
        var message = denied.Count == 0 ? null : HarvestRunRecorder.ErrorOf(new InvalidOperationException("Missing permission: " + string.Join(" | ", denied)));
        await _runs.FinishAsync(run, outcome, message, Calls(), Throttled(), written);
        logger.LogInformation("Instance harvest {RunId} of {Target}: {Outcome}, {Written} rows written", run.Id, target, outcome, written);
        return run;
    }

    internal static bool IsAccessDenied(AwsApiException ex) =>
        ex.HttpStatus == 403 || ex.ErrorCode is "AccessDeniedException" or "AccessDenied" or "UnauthorizedOperation";

    /// <summary>A managed EC2/Spot CE: the ones that launch instances (Fargate CEs do not).</summary>
    internal sealed record CeInfo(string Name, string? ClusterName, string ResourceType, IReadOnlyList<string> InstanceTypes);

    private async Task<List<CeInfo>> ReadComputeEnvironmentsAsync(AwsTarget target, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ComputeEnvironments.AsNoTracking()
            .Where(c => c.Account == target.Account && c.Region == target.Region)
            .Select(c => new { c.Name, c.Type, c.ResourceType, c.EcsClusterArn, c.InstanceTypes })
            .ToListAsync(cancellationToken);
        return rows
            .Where(c => c.Type == "MANAGED" && c.ResourceType is "EC2" or "SPOT")
            .Select(c => new CeInfo(c.Name, ClusterNameOf(c.EcsClusterArn), c.ResourceType!,
                c.InstanceTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            .ToList();
    }

    /// <summary>"arn:aws:ecs:r:a:cluster/NAME" → NAME.</summary>
    internal static string? ClusterNameOf(string? clusterArn) =>
        clusterArn is null ? null : clusterArn[(clusterArn.LastIndexOf('/') + 1)..];

    /// <summary>The cluster in a new-format container instance ARN (container-instance/CLUSTER/ID); null for the old format.</summary>
    internal static string? ClusterOfContainerInstance(string arn)
    {
        var marker = ":container-instance/";
        var at = arn.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var tail = arn[(at + marker.Length)..];
        var slash = tail.LastIndexOf('/');
        return slash < 0 ? null : tail[..slash];
    }

    /// <summary>
    /// The CE an instance belongs to: Batch names the Auto Scaling group "AWSBatch-&lt;CE&gt;-asg-&lt;uuid&gt;"; otherwise a tag
    /// whose value is the CE's name or its cluster's name.
    /// </summary>
    internal static string? MatchComputeEnvironment(Ec2InstanceSnapshot instance, IReadOnlyList<CeInfo> ces)
    {
        if (instance.Tags.TryGetValue("aws:autoscaling:groupName", out var asg))
        {
            var byAsg = ces.FirstOrDefault(c => asg.StartsWith($"AWSBatch-{c.Name}-asg-", StringComparison.Ordinal));
            if (byAsg is not null)
            {
                return byAsg.Name;
            }
        }

        var byTag = ces.FirstOrDefault(c => instance.Tags.Values.Any(v => v == c.Name || (c.ClusterName is not null && v == c.ClusterName)));
        return byTag?.Name;
    }

    private async Task<long> HarvestInstancesAsync(IEc2Api ec2, AwsTarget target, IReadOnlyList<CeInfo> ces, CancellationToken cancellationToken)
    {
        if (ces.Count == 0)
        {
            return 0;
        }

        var listed = await ec2.DescribeInstancesAsync([new Ec2Filter("tag-key", [BatchServiceTag])], cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.Ec2Instances
            .Where(i => i.Account == target.Account && i.Region == target.Region && i.State != "terminated" && i.State != "gone")
            .ToDictionaryAsync(i => i.InstanceId, StringComparer.Ordinal, cancellationToken);
        var listedIds = listed.Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        var known = await db.Ec2Instances
            .Where(i => i.Account == target.Account && i.Region == target.Region && listedIds.Contains(i.InstanceId))
            .ToDictionaryAsync(i => i.InstanceId, StringComparer.Ordinal, cancellationToken);
        // A mapped container instance ties an instance to its cluster even without a telling tag.
        var clusterOf = await db.ContainerInstances.AsNoTracking()
            .Where(c => c.Account == target.Account && c.Region == target.Region && c.Ec2InstanceId != null && listedIds.Contains(c.Ec2InstanceId))
            .Select(c => new { c.Ec2InstanceId, c.ClusterName })
            .ToListAsync(cancellationToken);
        var clusterByInstance = clusterOf.GroupBy(c => c.Ec2InstanceId!).ToDictionary(g => g.Key, g => g.First().ClusterName, StringComparer.Ordinal);

        var changed = 0;
        foreach (var i in listed)
        {
            var ce = MatchComputeEnvironment(i, ces)
                ?? (clusterByInstance.TryGetValue(i.InstanceId, out var cluster) ? ces.FirstOrDefault(c => c.ClusterName == cluster)?.Name : null);
            if (!known.TryGetValue(i.InstanceId, out var row))
            {
                row = new Ec2InstanceRow
                {
                    Account = target.Account,
                    Region = target.Region,
                    InstanceId = i.InstanceId,
                    InstanceType = i.InstanceType,
                    Lifecycle = "on-demand",
                    State = i.State,
                    FirstSeenMs = now,
                };
                db.Ec2Instances.Add(row);
            }

            row.ComputeEnvironmentName = ce ?? row.ComputeEnvironmentName;
            row.InstanceType = i.InstanceType;
            row.AvailabilityZone = i.AvailabilityZone;
            row.Lifecycle = i.Lifecycle == "spot" ? "spot" : "on-demand";
            row.LaunchTimeMs = i.LaunchTimeMs ?? row.LaunchTimeMs;
            row.LastSeenMs = now;
            row.State = i.State;
            if (i.State is "terminated" or "shutting-down")
            {
                row.TerminatedAtMs ??= Ec2Api.TransitionTimeMs(i.StateTransitionReason) ?? now;
                row.StateReasonCode = i.StateReasonCode;
                row.StateReasonMessage = i.StateReasonMessage;
            }

            changed++;
        }

        // Instances we saw alive that EC2 no longer lists terminated while we were not looking (over an hour ago):
        // their end is unknown; the last sighting is a lower bound.
        foreach (var gone in existing.Values.Where(r => !listedIds.Contains(r.InstanceId)))
        {
            gone.State = "gone";
            gone.TerminatedAtMs ??= gone.LastSeenMs;
            changed++;
        }

        await db.SaveChangesAsync(cancellationToken);
        return changed;
    }

    private async Task<long> MapContainerInstancesAsync(IEcsApi ecs, AwsTarget target, IReadOnlyList<CeInfo> ces, CancellationToken cancellationToken)
    {
        List<string> pending;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            // Only ARNs never asked about: mapped and MISSING ones have a row already.
            pending = await db.JobAttempts.AsNoTracking()
                .Where(a => a.Account == target.Account && a.Region == target.Region && a.ContainerInstanceArn != null)
                .Select(a => a.ContainerInstanceArn!)
                .Distinct()
                .Where(arn => !db.ContainerInstances.Any(c => c.Account == target.Account && c.Region == target.Region && c.ContainerInstanceArn == arn))
                .ToListAsync(cancellationToken);
        }

        long written = 0;
        var clusters = ces.Where(c => c.ClusterName is not null).Select(c => c.ClusterName!).ToHashSet(StringComparer.Ordinal);
        foreach (var group in pending.GroupBy(ClusterOfContainerInstance).Where(g => g.Key is not null && clusters.Contains(g.Key)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var batch in group.Order(StringComparer.Ordinal).Chunk(EcsApiClient.MaxPerCall))
            {
                var result = await ecs.DescribeContainerInstancesAsync(group.Key!, batch, cancellationToken);
                written += await SaveMappingsAsync(target, group.Key!, batch, result, cancellationToken);
            }
        }

        return written;
    }

    private async Task<long> SaveMappingsAsync(AwsTarget target, string cluster, IReadOnlyList<string> asked, ContainerInstancesResult result, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = result.Found.ToDictionary(f => f.Arn, StringComparer.Ordinal);
        foreach (var arn in asked)
        {
            if (found.TryGetValue(arn, out var f))
            {
                db.ContainerInstances.Add(new ContainerInstanceRow
                {
                    Account = target.Account,
                    Region = target.Region,
                    ContainerInstanceArn = arn,
                    ClusterName = cluster,
                    Status = ContainerInstanceStatus.Mapped,
                    Ec2InstanceId = f.Ec2InstanceId,
                    InstanceType = f.InstanceType,
                    AvailabilityZone = f.AvailabilityZone,
                    RegisteredAtMs = f.RegisteredAtMs,
                    DescribedAtMs = now,
                });
            }
            else if (result.Failures.Any(x => x.Arn is not null && LastSegment(x.Arn) == LastSegment(arn)))
            {
                db.ContainerInstances.Add(new ContainerInstanceRow
                {
                    Account = target.Account,
                    Region = target.Region,
                    ContainerInstanceArn = arn,
                    ClusterName = cluster,
                    Status = ContainerInstanceStatus.Missing,
                    DescribedAtMs = now,
                });
            }

            // Neither found nor failed (should not happen): left unasked, so the next run asks again.
        }

        return await db.SaveChangesAsync(cancellationToken);
    }

    // ECS may echo a failure in the old ARN format (moto does): compare the container instance id.
    private static string LastSegment(string arn) => arn[(arn.LastIndexOf('/') + 1)..];

    [GeneratedRegex(@"Host EC2 \(instance (i-[0-9a-f]+)\) terminated", RegexOptions.CultureInvariant)]
    private static partial Regex ReclaimReason();

    /// <summary>The instance id in a Spot reclaim reason ("Host EC2 (instance i-…) terminated."); null otherwise.</summary>
    public static string? ReclaimedInstanceId(string? reason) =>
        reason is not null && ReclaimReason().Match(reason) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>
    /// Fills the labelled estimate of MISSING container instances that have none yet: the instance id from a Spot
    /// reclaim reason of an attempt on it (with type/AZ when that instance was harvested), else the CE's instance type
    /// when the CE allows exactly one. Anything else stays unknown.
    /// </summary>
    private async Task<long> EstimateMissingAsync(AwsTarget target, IReadOnlyList<CeInfo> ces, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var missing = await db.ContainerInstances
            .Where(c => c.Account == target.Account && c.Region == target.Region && c.Status == ContainerInstanceStatus.Missing && c.EstimateBasis == null)
            .ToListAsync(cancellationToken);
        if (missing.Count == 0)
        {
            return 0;
        }

        var arns = missing.Select(m => m.ContainerInstanceArn).ToList();
        var reasons = await db.JobAttempts.AsNoTracking()
            .Where(a => a.Account == target.Account && a.Region == target.Region && a.ContainerInstanceArn != null && arns.Contains(a.ContainerInstanceArn)
                && a.StatusReason != null && a.StatusReason.StartsWith("Host EC2"))
            .Select(a => new { a.ContainerInstanceArn, a.StatusReason })
            .ToListAsync(cancellationToken);
        var reclaimedBy = reasons
            .Select(r => (Arn: r.ContainerInstanceArn!, Id: ReclaimedInstanceId(r.StatusReason)))
            .Where(r => r.Id is not null)
            .GroupBy(r => r.Arn, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Id!, StringComparer.Ordinal);
        var ids = reclaimedBy.Values.Distinct(StringComparer.Ordinal).ToList();
        var instances = await db.Ec2Instances.AsNoTracking()
            .Where(i => i.Account == target.Account && i.Region == target.Region && ids.Contains(i.InstanceId))
            .ToDictionaryAsync(i => i.InstanceId, StringComparer.Ordinal, cancellationToken);

        long changed = 0;
        foreach (var row in missing)
        {
            if (reclaimedBy.TryGetValue(row.ContainerInstanceArn, out var id))
            {
                row.EstimatedInstanceId = id;
                if (instances.TryGetValue(id, out var instance))
                {
                    row.EstimatedInstanceType = instance.InstanceType;
                    row.EstimatedAvailabilityZone = instance.AvailabilityZone;
                    row.EstimateBasis = "reclaim-reason+instance";
                }
                else
                {
                    row.EstimateBasis = "reclaim-reason";
                }

                changed++;
                continue;
            }

            var ce = ces.FirstOrDefault(c => c.ClusterName == row.ClusterName);
            var concrete = ce?.InstanceTypes.Where(t => t.Contains('.', StringComparison.Ordinal)).ToList() ?? [];
            if (ce is not null && concrete.Count == 1 && ce.InstanceTypes.Count == 1)
            {
                row.EstimatedInstanceType = concrete[0];
                row.EstimateBasis = "ce-single-type";
                changed++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return changed;
    }
}
