using System.Globalization;
using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Apply;

/// <summary>How AWS Batch carries out an update (aws-facts §4.2).</summary>
public enum ChangeKind
{
    /// <summary>Nothing differs from the CE as it is now.</summary>
    None,

    /// <summary>Only minvCpus / maxvCpus / desiredvCpus (or state): no instance is replaced.</summary>
    Scaling,

    /// <summary>Instance types, bidPercentage, allocation strategy, …: new instances get the new settings, old ones drain.</summary>
    Infrastructure,

    /// <summary>AWS cannot update this CE in place (BEST_FIT, or no service-linked role): create a new CE and switch the queues.</summary>
    BlueGreenRequired,
}

/// <summary>One field as it is now and as the request would set it (display strings; "(unset)" when absent).</summary>
public sealed record FieldDiff(string Field, string Before, string After);

/// <summary>
/// The exact UpdateComputeEnvironment request (only the fields that differ from the CE now), how AWS would carry it out,
/// why AWS would reject it (refused before any call when non-empty), and what happens to running jobs.
/// </summary>
public sealed record ChangePlan(
    ComputeEnvironmentUpdate Request,
    ChangeKind Kind,
    IReadOnlyList<FieldDiff> Diff,
    IReadOnlyList<string> Rejections,
    IReadOnlyList<string> Effects)
{
    /// <summary>True when the request can be sent: something changes, AWS would accept it, and it is an in-place update.</summary>
    public bool CanApply => Rejections.Count == 0 && Kind is ChangeKind.Scaling or ChangeKind.Infrastructure;
}

/// <summary>
/// Builds and checks an UpdateComputeEnvironment request against the CE as AWS describes it now — pure, no I/O, so the
/// diff page, the apply path and the tests share one set of rules. Sources: aws-facts §4.2 (update strategies, the
/// desiredvCpus rule, BEST_FIT) and the Batch API model (ComputeResourceUpdate docs: BEST_FIT is not supported in an update,
/// bidPercentage only for SPOT, none of the instance fields on Fargate).
/// </summary>
public static class ChangePlanner
{
    public const string Unset = "(unset)";

    /// <summary>Allocation strategies that allow an infrastructure update (aws-facts §4.2).</summary>
    public static readonly IReadOnlySet<string> InPlaceStrategies = new HashSet<string>(StringComparer.Ordinal)
        { "BEST_FIT_PROGRESSIVE", "SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED" };

    private static readonly HashSet<string> SpotOnlyStrategies = new(StringComparer.Ordinal) { "SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED" };

    /// <summary>AWS's own message for a lower desiredvCpus (error-desired-vcpus-update.html).</summary>
    public const string DesiredScaleDownMessage =
        "Manually scaling down compute environment is not supported. Disconnecting job queues from compute environment will cause it to scale-down to minvCpus.";

    public static ChangePlan Plan(ComputeEnvironmentSnapshot current, ComputeEnvironmentUpdate requested)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(requested);
        var rejections = new List<string>();
        var diff = new List<FieldDiff>();

        // Keep only what differs, so the request sent is exactly the diff shown.
        var state = Differs(requested.State, current.State) ? requested.State : null;
        var min = requested.MinvCpus != current.MinvCpus ? requested.MinvCpus : null;
        var max = requested.MaxvCpus != current.MaxvCpus ? requested.MaxvCpus : null;
        var desired = requested.DesiredvCpus != current.DesiredvCpus ? requested.DesiredvCpus : null;
        var types = requested.InstanceTypes is { } t && !SameSet(t, current.InstanceTypes) ? t : null;
        var bid = requested.BidPercentage is { } b && b != EffectiveBid(current) ? b : (int?)null;
        var strategy = Differs(requested.AllocationStrategy, EffectiveStrategy(current)) ? requested.AllocationStrategy : null;

        Add(diff, "state", state, current.State);
        Add(diff, "computeResources.minvCpus", min, current.MinvCpus);
        Add(diff, "computeResources.maxvCpus", max, current.MaxvCpus);
        Add(diff, "computeResources.desiredvCpus", desired, current.DesiredvCpus);
        if (types is not null)
        {
            diff.Add(new FieldDiff("computeResources.instanceTypes", Join(current.InstanceTypes), Join(types)));
        }

        Add(diff, "computeResources.bidPercentage", bid, current.BidPercentage);
        if (strategy is not null)
        {
            diff.Add(new FieldDiff("computeResources.allocationStrategy", current.AllocationStrategy ?? $"{Unset} = BEST_FIT", strategy));
        }

        var infrastructure = types is not null || bid is not null || strategy is not null;
        var request = new ComputeEnvironmentUpdate(current.Name, state, min, max, desired, types, bid, strategy,
            infrastructure ? requested.UpdatePolicy ?? new ComputeEnvironmentUpdatePolicy() : null);
        if (diff.Count == 0)
        {
            return new ChangePlan(request, ChangeKind.None, diff, [], [$"{current.Name} already has these settings: nothing to apply."]);
        }

        CheckShape(current, request, rejections);
        CheckCapacity(current, request, rejections);
        if (string.Equals(current.Status, "UPDATING", StringComparison.OrdinalIgnoreCase))
        {
            rejections.Add($"{current.Name} is UPDATING (an earlier change is still rolling out): wait until its status is VALID, then review the diff again.");
        }

        var blocker = infrastructure ? InfrastructureBlocker(current) : null;
        var kind = !infrastructure ? ChangeKind.Scaling : blocker is not null ? ChangeKind.BlueGreenRequired : ChangeKind.Infrastructure;
        if (blocker is not null)
        {
            rejections.Add($"AWS cannot apply this change in place: {blocker}. Create a new compute environment with the new settings, "
                + "add it to the job queues ahead of this one, then disable and remove this one (blue/green update).");
        }

        return new ChangePlan(request, kind, diff, rejections, Effects(kind, request));
    }

    /// <summary>
    /// The request that puts back what <paramref name="before"/> recorded, planned against the CE <paramref name="now"/>.
    /// desiredvCpus is left out: AWS refuses to lower it by hand, and Batch moves it with demand anyway.
    /// </summary>
    public static ChangePlan PlanRestore(ComputeEnvironmentSnapshot before, ComputeEnvironmentSnapshot now, ComputeEnvironmentUpdatePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(now);
        var restore = new ComputeEnvironmentUpdate(now.Name, before.State, before.MinvCpus, before.MaxvCpus, null,
            before.InstanceTypes.Count > 0 ? before.InstanceTypes : null, EffectiveBid(before), EffectiveStrategy(before), policy);
        return Plan(now, restore);
    }

    /// <summary>Why an infrastructure update is impossible for this CE, or null when it is possible.</summary>
    public static string? InfrastructureBlocker(ComputeEnvironmentSnapshot ce)
    {
        ArgumentNullException.ThrowIfNull(ce);
        var strategy = EffectiveStrategy(ce);
        if (!InPlaceStrategies.Contains(strategy))
        {
            return $"its allocation strategy is {strategy}{(ce.AllocationStrategy is null ? " (the default)" : "")}; in-place infrastructure updates need BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED or SPOT_PRICE_CAPACITY_OPTIMIZED";
        }

        if (!UsesServiceLinkedRole(ce))
        {
            return $"it uses the service role {ce.ServiceRole}, not the AWSServiceRoleForBatch service-linked role";
        }

        return null;
    }

    /// <summary>True when the CE has no explicit service role (Batch then uses AWSServiceRoleForBatch) or names that role.</summary>
    public static bool UsesServiceLinkedRole(ComputeEnvironmentSnapshot ce)
    {
        ArgumentNullException.ThrowIfNull(ce);
        return string.IsNullOrEmpty(ce.ServiceRole)
            || ce.ServiceRole.Contains("/aws-service-role/batch.amazonaws.com/", StringComparison.Ordinal);
    }

    /// <summary>Batch's default when no allocation strategy was given is BEST_FIT.</summary>
    public static string EffectiveStrategy(ComputeEnvironmentSnapshot ce) => ce?.AllocationStrategy ?? "BEST_FIT";

    /// <summary>An empty bidPercentage means 100 % (aws-facts §4.3); only Spot CEs have one.</summary>
    public static int? EffectiveBid(ComputeEnvironmentSnapshot ce) =>
        ce is null ? null : string.Equals(ce.ResourceType, "SPOT", StringComparison.Ordinal) ? ce.BidPercentage ?? 100 : ce.BidPercentage;

    private static void CheckShape(ComputeEnvironmentSnapshot ce, ComputeEnvironmentUpdate r, List<string> rejections)
    {
        var resources = r.MinvCpus is not null || r.MaxvCpus is not null || r.DesiredvCpus is not null || r.InstanceTypes is not null
            || r.BidPercentage is not null || r.AllocationStrategy is not null;
        if (resources && !string.Equals(ce.Type, "MANAGED", StringComparison.OrdinalIgnoreCase))
        {
            rejections.Add($"{ce.Name} is an UNMANAGED compute environment: it has no compute resources to update.");
            return;
        }

        if (r.State is not (null or "ENABLED" or "DISABLED"))
        {
            rejections.Add($"state must be ENABLED or DISABLED, not '{r.State}'.");
        }

        var fargate = ce.ResourceType is "FARGATE" or "FARGATE_SPOT";
        if (fargate && (r.InstanceTypes is not null || r.BidPercentage is not null || r.AllocationStrategy is not null || r.DesiredvCpus is not null))
        {
            rejections.Add($"{ce.Name} is a {ce.ResourceType} compute environment: instanceTypes, bidPercentage, allocationStrategy and desiredvCpus do not apply to Fargate.");
        }

        if (r.BidPercentage is { } bid)
        {
            if (!string.Equals(ce.ResourceType, "SPOT", StringComparison.Ordinal))
            {
                rejections.Add($"bidPercentage applies only to SPOT compute environments; {ce.Name} is {ce.ResourceType ?? "not SPOT"}.");
            }
            else if (bid is < 1 or > 100)
            {
                rejections.Add($"bidPercentage must be between 1 and 100 (percent of the On-Demand price), not {bid.ToString(CultureInfo.InvariantCulture)}.");
            }
        }

        if (r.InstanceTypes is { Count: 0 })
        {
            rejections.Add("instanceTypes must name at least one instance type or family.");
        }

        if (r.AllocationStrategy is { } strategy)
        {
            if (strategy == "BEST_FIT")
            {
                rejections.Add("BEST_FIT cannot be set by an update (AWS: \"BEST_FIT isn't supported when updating a compute environment\").");
            }
            else if (!InPlaceStrategies.Contains(strategy))
            {
                rejections.Add($"allocationStrategy '{strategy}' is not one of BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED, SPOT_PRICE_CAPACITY_OPTIMIZED.");
            }
            else if (SpotOnlyStrategies.Contains(strategy) && !string.Equals(ce.ResourceType, "SPOT", StringComparison.Ordinal))
            {
                rejections.Add($"{strategy} applies only to SPOT compute environments; {ce.Name} is {ce.ResourceType ?? "EC2"}.");
            }
        }

        if (r.UpdatePolicy is { JobExecutionTimeoutMinutes: < 1 or > 7200 } policy)
        {
            rejections.Add($"updatePolicy.jobExecutionTimeoutMinutes must be between 1 and 7200, not {policy.JobExecutionTimeoutMinutes.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static void CheckCapacity(ComputeEnvironmentSnapshot ce, ComputeEnvironmentUpdate r, List<string> rejections)
    {
        var min = r.MinvCpus ?? ce.MinvCpus ?? 0;
        var max = r.MaxvCpus ?? ce.MaxvCpus;
        if (min < 0 || (max is { } m && m < min))
        {
            rejections.Add($"minvCpus ({min.ToString(CultureInfo.InvariantCulture)}) must be between 0 and maxvCpus ({max?.ToString(CultureInfo.InvariantCulture) ?? "?"}).");
        }

        if (r.DesiredvCpus is { } desired)
        {
            if (ce.DesiredvCpus is { } now && desired < now)
            {
                rejections.Add($"desiredvCpus {desired.ToString(CultureInfo.InvariantCulture)} is below the current {now.ToString(CultureInfo.InvariantCulture)}. AWS: \"{DesiredScaleDownMessage}\" Lower minvCpus instead.");
            }

            if (desired < min || (max is { } mx && desired > mx))
            {
                rejections.Add($"desiredvCpus {desired.ToString(CultureInfo.InvariantCulture)} must lie between minvCpus {min.ToString(CultureInfo.InvariantCulture)} and maxvCpus {max?.ToString(CultureInfo.InvariantCulture) ?? "?"}.");
            }
        }
    }

    private static List<string> Effects(ChangeKind kind, ComputeEnvironmentUpdate r)
    {
        switch (kind)
        {
            case ChangeKind.Scaling:
                return ["Scaling update: no instance is replaced and running jobs are not touched; Batch scales within the new limits."];
            case ChangeKind.Infrastructure:
                var policy = r.UpdatePolicy ?? new ComputeEnvironmentUpdatePolicy();
                var timeout = policy.JobExecutionTimeoutMinutes.ToString(CultureInfo.InvariantCulture);
                return
                [
                    "Infrastructure update: the CE's status becomes UPDATING (typically 10–30 minutes); instances launched from now on use the new settings.",
                    policy.TerminateJobsOnUpdate
                        ? "updatePolicy.terminateJobsOnUpdate = true: jobs running on the old instances are TERMINATED and retried only if their retry strategy allows."
                        : $"updatePolicy.terminateJobsOnUpdate = false: running jobs keep running; old instances are replaced as their jobs finish, or after jobExecutionTimeoutMinutes = {timeout}.",
                ];
            case ChangeKind.BlueGreenRequired:
                return ["No call is made: this change needs a blue/green update (a new compute environment)."];
            default:
                return [];
        }
    }

    private static bool Differs(string? requested, string? current) => requested is not null && !string.Equals(requested, current, StringComparison.Ordinal);

    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.ToHashSet(StringComparer.Ordinal).SetEquals(b);

    private static void Add(List<FieldDiff> diff, string field, object? after, object? before)
    {
        if (after is not null)
        {
            diff.Add(new FieldDiff(field, Show(before), Show(after)));
        }
    }

    private static string Show(object? value) => value switch
    {
        null => Unset,
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => value.ToString() ?? Unset,
    };

    private static string Join(IReadOnlyList<string> types) => types.Count == 0 ? Unset : string.Join(", ", types);
}
