using System.Globalization;
using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Apply;

/// <summary>
/// The settings of a managed CE as AWS describes them now, plus the update policy it runs under; what the "Edit…" form
/// is prefilled from. <see cref="Target"/> is where it lives (the account/region the preview must go to).
/// </summary>
public sealed record CurrentComputeEnvironment(AwsTarget Target, ComputeEnvironmentSnapshot Ce, ComputeEnvironmentUpdatePolicy UpdatePolicy);

/// <summary>
/// The "Edit…" form of a compute environment as plain strings (what the user typed), prefilled from the CE now. <see cref="TryBuild"/>
/// turns it into an UpdateComputeEnvironment request holding only the fields the user changed, or per-field messages when
/// something cannot be read; AWS's own rules (desiredvCpus below current, ranges, BEST_FIT…) are left to <see cref="ChangePlanner"/>
/// so the edit and a recommendation are refused by the same words.
/// </summary>
public sealed class ComputeEnvironmentEdit
{
    public const string FieldState = "state";
    public const string FieldMinvCpus = "minvCpus";
    public const string FieldMaxvCpus = "maxvCpus";
    public const string FieldDesiredvCpus = "desiredvCpus";
    public const string FieldInstanceTypes = "instanceTypes";
    public const string FieldBidPercentage = "bidPercentage";
    public const string FieldAllocationStrategy = "allocationStrategy";
    public const string FieldJobExecutionTimeoutMinutes = "jobExecutionTimeoutMinutes";

    private readonly CurrentComputeEnvironment _original;

    private ComputeEnvironmentEdit(CurrentComputeEnvironment original)
    {
        _original = original;
        var ce = original.Ce;
        State = ce.State ?? "ENABLED";
        MinvCpus = Show(ce.MinvCpus);
        MaxvCpus = Show(ce.MaxvCpus);
        DesiredvCpus = Show(ce.DesiredvCpus);
        InstanceTypes = string.Join(", ", ce.InstanceTypes);
        BidPercentage = Show(ChangePlanner.EffectiveBid(ce));
        AllocationStrategy = IsFargate ? "" : ChangePlanner.EffectiveStrategy(ce);
        TerminateJobsOnUpdate = original.UpdatePolicy.TerminateJobsOnUpdate;
        JobExecutionTimeoutMinutes = Show(original.UpdatePolicy.JobExecutionTimeoutMinutes);
    }

    public string Name => _original.Ce.Name;

    public bool IsSpot => string.Equals(_original.Ce.ResourceType, "SPOT", StringComparison.Ordinal);

    /// <summary>Fargate CEs have no instance types, Spot bid, allocation strategy or desiredvCpus to set (ComputeResourceUpdate docs).</summary>
    public bool IsFargate => _original.Ce.ResourceType is "FARGATE" or "FARGATE_SPOT";

    public string State { get; set; }

    public string MinvCpus { get; set; }

    public string MaxvCpus { get; set; }

    public string DesiredvCpus { get; set; }

    /// <summary>Comma-separated instance types or families ("m5, c5.xlarge", or "optimal").</summary>
    public string InstanceTypes { get; set; }

    public string BidPercentage { get; set; }

    public string AllocationStrategy { get; set; }

    public bool TerminateJobsOnUpdate { get; set; }

    public string JobExecutionTimeoutMinutes { get; set; }

    /// <summary>
    /// The allocation strategies the select offers: the CE's current one (even BEST_FIT, so the form shows the truth) and the
    /// ones an update may set for this capacity type (Spot-only strategies only on SPOT).
    /// </summary>
    public IReadOnlyList<string> AllocationStrategies
    {
        get
        {
            if (IsFargate)
            {
                return [];
            }

            var valid = IsSpot
                ? new List<string> { "BEST_FIT_PROGRESSIVE", "SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED" }
                : ["BEST_FIT_PROGRESSIVE"];
            var current = ChangePlanner.EffectiveStrategy(_original.Ce);
            if (!valid.Contains(current))
            {
                valid.Insert(0, current);
            }

            return valid;
        }
    }

    public static IReadOnlyList<string> States { get; } = ["ENABLED", "DISABLED"];

    public static ComputeEnvironmentEdit From(CurrentComputeEnvironment current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new ComputeEnvironmentEdit(current);
    }

    /// <summary>
    /// Builds the request from the fields that differ from the CE now. Returns false, with a message per field the user
    /// must fix, when a value cannot be read; then nothing should be sent or previewed.
    /// </summary>
    public bool TryBuild(out ComputeEnvironmentUpdate update, out IReadOnlyDictionary<string, string> errors)
    {
        var ce = _original.Ce;
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        int? Number(string field, string text, int? current)
        {
            var value = text.Trim();
            if (value.Length == 0)
            {
                if (current is not null)
                {
                    problems[field] = $"Enter {field} as a whole number (it is {Show(current)} now).";
                }

                return null;
            }

            if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                problems[field] = $"'{value}' is not a whole number: enter {field} as digits only, e.g. {Show(current ?? 0)}.";
                return null;
            }

            return parsed == current ? null : parsed;
        }

        var state = string.Equals(State, ce.State, StringComparison.Ordinal) ? null : State;
        var min = Number(FieldMinvCpus, MinvCpus, ce.MinvCpus);
        var max = Number(FieldMaxvCpus, MaxvCpus, ce.MaxvCpus);
        int? desired = null;
        IReadOnlyList<string>? types = null;
        int? bid = null;
        string? strategy = null;
        if (!IsFargate)
        {
            desired = Number(FieldDesiredvCpus, DesiredvCpus, ce.DesiredvCpus);
            var typed = InstanceTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (typed.Length == 0)
            {
                problems[FieldInstanceTypes] = "Name at least one instance type or family, separated by commas (e.g. m5, c5.xlarge, or optimal).";
            }
            else if (typed.FirstOrDefault(t => t.Any(char.IsWhiteSpace)) is { } spaced)
            {
                problems[FieldInstanceTypes] = $"'{spaced}' has a space inside: separate instance types with commas.";
            }
            else if (!typed.ToHashSet(StringComparer.Ordinal).SetEquals(ce.InstanceTypes))
            {
                types = typed;
            }

            if (IsSpot)
            {
                bid = Number(FieldBidPercentage, BidPercentage, ChangePlanner.EffectiveBid(ce));
            }

            strategy = string.Equals(AllocationStrategy, ChangePlanner.EffectiveStrategy(ce), StringComparison.Ordinal) ? null : AllocationStrategy;
        }

        var timeout = Number(FieldJobExecutionTimeoutMinutes, JobExecutionTimeoutMinutes, _original.UpdatePolicy.JobExecutionTimeoutMinutes)
            ?? _original.UpdatePolicy.JobExecutionTimeoutMinutes;

        // The update policy is always sent as the form shows it: the planner attaches it only to an infrastructure update,
        // where leaving it out would put back AWS's defaults instead of what this CE runs under.
        update = new ComputeEnvironmentUpdate(ce.Name, state, min, max, desired, types, bid, strategy,
            new ComputeEnvironmentUpdatePolicy(TerminateJobsOnUpdate, timeout));
        errors = problems;
        return problems.Count == 0;
    }

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
