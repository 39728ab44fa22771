using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Recommendations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Apply;

/// <summary>
/// The diff the user confirms: the plan against the CE as AWS describes it now, the same change as infrastructure code,
/// the IaC warning, and the token that the confirmation must bring back unchanged.
/// </summary>
public sealed record ApplyPreview(
    string Account,
    string Region,
    string ComputeEnvironment,
    long? RecommendationId,
    long? RollbackOf,
    string? Status,
    ChangePlan Plan,
    string AwsCli,
    string Terraform,
    string CloudFormation,
    string? ManagedBy,
    string Token,
    bool ApplyEnabled,
    string? DisabledReason,
    IReadOnlyList<string> Warnings);

public enum ApplyOutcome
{
    /// <summary>AWS accepted the update; <see cref="ApplyResult.Status"/> says where the CE stands (UPDATING → followed in the background).</summary>
    Applied,

    /// <summary>The CE changed since the diff was shown: nothing was sent; <see cref="ApplyResult.Preview"/> is the new diff.</summary>
    Conflict,

    /// <summary>Refused before any call (wrong name, AWS would reject it, applying is off…).</summary>
    Refused,

    /// <summary>AWS answered the call with an error.</summary>
    Failed,
}

public sealed record ApplyResult(ApplyOutcome Outcome, long AuditId, string Message, ApplyPreview? Preview, string? AwsRequestId, string? Status);

/// <summary>A confirmed change: the wanted settings, the preview's token and the CE name as the user typed it.</summary>
public sealed record ApplyRequest(
    string Account,
    string Region,
    string ComputeEnvironment,
    ComputeEnvironmentUpdate Wanted,
    string Token,
    string TypedName,
    string Actor,
    long? RecommendationId = null);

/// <summary>A recommendation as an UpdateComputeEnvironment request, or why it cannot be one.</summary>
public sealed record RecommendationChange(string Account, string Region, string ComputeEnvironment, ComputeEnvironmentUpdate? Update, string? NotAppliable)
{
    public bool IsAppliable => Update is not null;
}

/// <summary>The CE or audit entry named does not exist (the API answers 404).</summary>
public sealed class ApplyNotFoundException(string message) : Exception(message);

/// <summary>Schedules the next look at an updated CE's status (Hangfire in the host; tests record it).</summary>
public interface IApplyFollowUp
{
    void Schedule(long applyAuditId, TimeSpan delay);
}

/// <summary>
/// Applies and rolls back compute environment changes safely: always against the CE as AWS describes it now (never the
/// database), refused before any call when AWS would reject it, with optimistic concurrency (the preview's token), a typed
/// confirmation, and an append-only audit entry for every attempt.
/// </summary>
public sealed partial class ApplyService(
    BatchApiFactory batchFactory,
    IEnumerable<AwsTarget> targets,
    AuditLog audit,
    IApplyFollowUp followUp,
    IOptions<ApplyOptions> options,
    TimeProvider timeProvider,
    ILogger<ApplyService> logger)
{
    public const string DisabledMessage = "Applying is switched off on this instance (Apply:Enabled=false); use the exported CLI/Terraform, or ask an Admin to turn it on.";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly ApplyOptions _options = options.Value;

    public bool Enabled => _options.IsEnabled;

    /// <summary>
    /// Turns a stored recommendation into the request that would carry it out. Only compute-environment fields that
    /// UpdateComputeEnvironment takes are appliable; anything else (a VPC change, a job definition, the CE type) is not,
    /// and the whole recommendation is then left to its steps rather than half applied.
    /// </summary>
    public static RecommendationChange FromRecommendation(RecommendationDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var r = detail.Recommendation;
        return FromChanges(r.TargetKind, r.Account, r.Region, r.TargetName, detail.Changes);
    }

    public static RecommendationChange FromRecommendation(Recommendation recommendation)
    {
        ArgumentNullException.ThrowIfNull(recommendation);
        var t = recommendation.Target;
        return FromChanges(t.Kind.ToString(), t.Account, t.Region, t.Name, recommendation.Changes);
    }

    private static RecommendationChange FromChanges(string kind, string account, string region, string name, IReadOnlyList<ProposedChange> changes)
    {
        RecommendationChange No(string why) => new(account, region, name, null, why);
        if (string.Equals(kind, nameof(RecommendationTargetKind.Vpc), StringComparison.Ordinal))
        {
            return No("Not appliable: this is a VPC change (endpoints, NAT gateways, routes), not a compute environment setting; see the steps.");
        }

        if (!string.Equals(kind, nameof(RecommendationTargetKind.ComputeEnvironment), StringComparison.Ordinal))
        {
            return No($"Not appliable: the change is to a {kind}, not a compute environment; see the steps.");
        }

        if (changes.Count == 0)
        {
            return No("Not appliable: this recommendation proposes no configuration change.");
        }

        var update = new ComputeEnvironmentUpdate(name);
        var unsupported = new List<string>();
        foreach (var c in changes)
        {
            var value = c.ProposedValue.Trim();
            var unset = string.Equals(value, ProposedChange.Unset, StringComparison.Ordinal);
            switch (c.FieldPath)
            {
                case "state":
                    update = update with { State = value };
                    break;
                case "computeResources.instanceTypes":
                    update = update with { InstanceTypes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    break;
                // An unset bidPercentage means 100 % of the On-Demand price (aws-facts §4.3).
                case "computeResources.bidPercentage" when unset:
                    update = update with { BidPercentage = 100 };
                    break;
                case "computeResources.bidPercentage" when Int(value) is { } bid:
                    update = update with { BidPercentage = bid };
                    break;
                case "computeResources.allocationStrategy" when !unset:
                    update = update with { AllocationStrategy = value };
                    break;
                case "computeResources.minvCpus" when Int(value) is { } min:
                    update = update with { MinvCpus = min };
                    break;
                case "computeResources.maxvCpus" when Int(value) is { } max:
                    update = update with { MaxvCpus = max };
                    break;
                case "computeResources.desiredvCpus" when Int(value) is { } desired:
                    update = update with { DesiredvCpus = desired };
                    break;
                default:
                    unsupported.Add($"{c.FieldPath} → {c.ProposedValue}");
                    break;
            }
        }

        return unsupported.Count > 0
            ? No($"Not appliable from here: {string.Join("; ", unsupported)} cannot be set by this app's UpdateComputeEnvironment call; see the steps (or use the exported CLI/Terraform for the rest).")
            : new RecommendationChange(account, region, name, update, null);
    }

    /// <summary>
    /// The CE as AWS describes it now (never the database), for the "Edit…" form. <paramref name="account"/> and
    /// <paramref name="region"/> may be left out when exactly one target is configured.
    /// </summary>
    public async Task<CurrentComputeEnvironment> DescribeAsync(string? account, string? region, string ceName, CancellationToken cancellationToken)
    {
        AwsTarget target;
        if (string.IsNullOrEmpty(account) || string.IsNullOrEmpty(region))
        {
            var all = targets.ToList();
            target = all.Count == 1
                ? all[0]
                : throw new ArgumentException($"Say which account and region {ceName} is in (?account=…&region=…): {all.Count} targets are configured. Open Edit… from the compute environment's page.");
        }
        else
        {
            target = Target(account, region);
        }

        var ce = await ReadAsync(batchFactory(target), ceName, cancellationToken)
            ?? throw new ApplyNotFoundException($"Compute environment {ceName} does not exist in {target.Account}/{target.Region}.");
        return new CurrentComputeEnvironment(target, ce, ce.UpdatePolicy ?? new ComputeEnvironmentUpdatePolicy());
    }

    /// <summary>Re-reads the CE from AWS and plans <paramref name="wanted"/> against it.</summary>
    public async Task<ApplyPreview> PreviewAsync(string account, string region, string ceName, ComputeEnvironmentUpdate wanted, long? recommendationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var target = Target(account, region);
        var ce = await ReadAsync(batchFactory(target), ceName, cancellationToken)
            ?? throw new ApplyNotFoundException($"Compute environment {ceName} does not exist in {target.Account}/{target.Region}.");
        return Preview(target, ce, wanted with { ComputeEnvironment = ce.Name }, recommendationId, rollbackOf: null, []);
    }

    /// <summary>Plans putting back what audit entry <paramref name="auditId"/> recorded as "before", against the CE now.</summary>
    public async Task<ApplyPreview> PreviewRollbackAsync(long auditId, CancellationToken cancellationToken)
    {
        var (entry, before) = await RollbackSourceAsync(auditId, cancellationToken);
        var target = Target(entry.Account, entry.Region);
        var ce = await ReadAsync(batchFactory(target), entry.ComputeEnvironment, cancellationToken)
            ?? throw new ApplyNotFoundException($"Compute environment {entry.ComputeEnvironment} no longer exists in {target.Account}/{target.Region}.");
        return Preview(target, ce, ChangePlanner.PlanRestore(before, ce).Request, entry.RecommendationId, auditId, await RollbackWarningsAsync(entry, ce, cancellationToken));
    }

    /// <summary>Confirms and sends a change (see the class summary for the checks, in the order they run).</summary>
    public Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ExecuteAsync(AuditAction.Apply, parentId: null, request.Account, request.Region, request.ComputeEnvironment,
            ce => request.Wanted with { ComputeEnvironment = ce.Name }, request.RecommendationId, request.Token, request.TypedName,
            request.Actor, _ => Task.FromResult<IReadOnlyList<string>>([]), cancellationToken);
    }

    /// <summary>Rolls back an accepted apply: the restore plan goes through the same checks and confirmation as an apply.</summary>
    public async Task<ApplyResult> RollbackAsync(long auditId, string token, string typedName, string actor, CancellationToken cancellationToken)
    {
        var (entry, before) = await RollbackSourceAsync(auditId, cancellationToken);
        return await ExecuteAsync(AuditAction.Rollback, auditId, entry.Account, entry.Region, entry.ComputeEnvironment,
            ce => ChangePlanner.PlanRestore(before, ce).Request, entry.RecommendationId, token, typedName, actor,
            ce => RollbackWarningsAsync(entry, ce, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// One look at the status of the CE an accepted apply/rollback changed: records the outcome once it left UPDATING
    /// (or after Apply:FollowTimeoutMinutes), otherwise schedules the next look. Returns true when the outcome is recorded.
    /// Safe to run twice (a retried job): an existing outcome is not written again.
    /// </summary>
    public async Task<bool> CheckOutcomeAsync(long applyAuditId, CancellationToken cancellationToken)
    {
        var entry = await audit.GetAsync(applyAuditId, cancellationToken) ?? throw new ApplyNotFoundException($"No audit entry {applyAuditId}.");
        if ((await audit.ChildrenAsync(applyAuditId, cancellationToken)).Any(c => c.Action == AuditAction.Outcome))
        {
            return true;
        }

        var ce = await ReadAsync(batchFactory(new AwsTarget(entry.Account, entry.Region)), entry.ComputeEnvironment, cancellationToken);
        var status = ce?.Status;
        if (ce is not null && IsUpdating(ce))
        {
            var waited = timeProvider.GetUtcNow().UtcDateTime - entry.At;
            if (waited < TimeSpan.FromMinutes(_options.FollowTimeoutMinutes))
            {
                followUp.Schedule(applyAuditId, TimeSpan.FromSeconds(_options.FollowIntervalSeconds));
                return false;
            }
        }

        var (result, message) = ce is null ? (AuditResult.Invalid, $"{entry.ComputeEnvironment} no longer exists.")
            : IsUpdating(ce) ? (AuditResult.TimedOut, $"{ce.Name} is still UPDATING after {_options.FollowTimeoutMinutes.ToString(CultureInfo.InvariantCulture)} minutes; check it in the AWS console.")
            : string.Equals(status, "VALID", StringComparison.OrdinalIgnoreCase) ? (AuditResult.Valid, $"{ce.Name} is VALID: the update is in effect.")
            : (AuditResult.Invalid, $"{ce.Name} is {status ?? "without status"}: {ce.StatusReason ?? "no reason given"}.");
        await audit.AppendAsync(new AuditDraft("system", AuditAction.Outcome, entry.Account, entry.Region, entry.ComputeEnvironment, result, message,
            entry.RecommendationId, applyAuditId, AfterJson: ce?.RawJson), cancellationToken);
        LogOutcome(applyAuditId, entry.ComputeEnvironment, result);
        return true;
    }

    private async Task<ApplyResult> ExecuteAsync(
        string action,
        long? parentId,
        string account,
        string region,
        string ceName,
        Func<ComputeEnvironmentSnapshot, ComputeEnvironmentUpdate> wantedFor,
        long? recommendationId,
        string token,
        string typedName,
        string actor,
        Func<ComputeEnvironmentSnapshot, Task<IReadOnlyList<string>>> warningsFor,
        CancellationToken cancellationToken)
    {
        var target = Target(account, region);
        AuditDraft Draft(string auditAction, string result, string message, ComputeEnvironmentSnapshot? ce = null, ComputeEnvironmentUpdate? request = null) =>
            new(actor, auditAction, target.Account, target.Region, ce?.Name ?? ceName, result, message, recommendationId, parentId,
                ce?.RawJson, request is null ? null : JsonSerializer.Serialize(request, Json));
        async Task<ApplyResult> RefuseAsync(string message, ComputeEnvironmentSnapshot? ce, ComputeEnvironmentUpdate? request, ApplyPreview? preview)
        {
            var entry = await audit.AppendAsync(Draft(AuditAction.PreviewRefused, AuditResult.Refused, Prefix(action) + message, ce, request), cancellationToken);
            return new ApplyResult(ApplyOutcome.Refused, entry.Id, message, preview, null, ce?.Status);
        }

        if (!Enabled)
        {
            return await RefuseAsync(DisabledMessage, null, null, null);
        }

        var batch = batchFactory(target);
        var ce = await ReadAsync(batch, ceName, cancellationToken);
        if (ce is null)
        {
            return await RefuseAsync($"Compute environment {ceName} does not exist in {target.Account}/{target.Region}.", null, null, null);
        }

        var wanted = wantedFor(ce);
        var preview = Preview(target, ce, wanted, recommendationId, action == AuditAction.Rollback ? parentId : null, await warningsFor(ce));
        var plan = preview.Plan;
        if (!string.Equals(preview.Token, token, StringComparison.Ordinal))
        {
            const string Message = "The compute environment changed since the diff was shown; nothing was sent. Review the new diff and confirm again.";
            var conflict = await audit.AppendAsync(Draft(AuditAction.Conflict, AuditResult.Conflict, Prefix(action) + Message, ce, plan.Request), cancellationToken);
            return new ApplyResult(ApplyOutcome.Conflict, conflict.Id, Message, preview, null, ce.Status);
        }

        if (!string.Equals(typedName?.Trim(), ce.Name, StringComparison.Ordinal))
        {
            return await RefuseAsync($"The name typed does not match the compute environment ({ce.Name}): nothing was sent.", ce, plan.Request, preview);
        }

        if (!plan.CanApply)
        {
            var why = plan.Rejections.Count > 0 ? string.Join(" ", plan.Rejections) : string.Join(" ", plan.Effects);
            return await RefuseAsync($"Refused before any call: {why}", ce, plan.Request, preview);
        }

        ComputeEnvironmentUpdateResult sent;
        try
        {
            sent = await batch.UpdateComputeEnvironmentAsync(plan.Request, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failed = await audit.AppendAsync(Draft(action, AuditResult.Failed, e.Message, ce, plan.Request) with
            {
                AwsRequestId = (e as AwsApiException)?.RequestId,
            }, CancellationToken.None);
            if (e is not AwsApiException)
            {
                throw;
            }

            return new ApplyResult(ApplyOutcome.Failed, failed.Id, e.Message, preview, (e as AwsApiException)?.RequestId, ce.Status);
        }

        // Re-read after the call: the audit keeps the CE as AWS reports it right after (UPDATING for an infrastructure change).
        var after = await ReadAsync(batch, ce.Name, CancellationToken.None);
        var message = $"{plan.Kind} update of {ce.Name} accepted by AWS; status now {after?.Status ?? "unknown"}.";
        var applied = await audit.AppendAsync(Draft(action, AuditResult.Succeeded, message, ce, plan.Request) with
        {
            AfterJson = after?.RawJson,
            AwsRequestId = sent.RequestId,
        }, CancellationToken.None);
        LogApplied(action, ce.Name, applied.Id, sent.RequestId);
        if (after is not null && IsUpdating(after))
        {
            followUp.Schedule(applied.Id, TimeSpan.FromSeconds(_options.FollowIntervalSeconds));
        }
        else
        {
            await CheckOutcomeAsync(applied.Id, CancellationToken.None);
        }

        return new ApplyResult(ApplyOutcome.Applied, applied.Id, message, preview, sent.RequestId, after?.Status);
    }

    private ApplyPreview Preview(AwsTarget target, ComputeEnvironmentSnapshot ce, ComputeEnvironmentUpdate wanted, long? recommendationId, long? rollbackOf, IReadOnlyList<string> warnings)
    {
        var plan = ChangePlanner.Plan(ce, wanted);
        return new ApplyPreview(
            target.Account,
            target.Region,
            ce.Name,
            recommendationId,
            rollbackOf,
            ce.Status,
            plan,
            ChangeExport.AwsCli(plan.Request, target.Region),
            ChangeExport.Terraform(plan.Request),
            ChangeExport.CloudFormation(plan.Request),
            ChangeExport.ManagedBy(ce.Tags, _options.EffectiveIacTags),
            Token(ce, plan.Request),
            Enabled,
            Enabled ? null : DisabledMessage,
            warnings);
    }

    /// <summary>
    /// The optimistic-concurrency token: a hash of every CE setting an update could change, its status, and the exact
    /// request planned from them. desiredvCpus is left out — Batch moves it with demand all the time, and the plan made at
    /// confirmation re-checks the desiredvCpus rule anyway.
    /// </summary>
    public static string Token(ComputeEnvironmentSnapshot ce, ComputeEnvironmentUpdate request)
    {
        ArgumentNullException.ThrowIfNull(ce);
        ArgumentNullException.ThrowIfNull(request);
        static string List(IEnumerable<string> items) => string.Join(",", items.Order(StringComparer.Ordinal));
        static string N(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "-";
        var text = new StringBuilder()
            .Append(ce.Arn).Append('|').Append(ce.Type).Append('|').Append(ce.State).Append('|').Append(ce.Status).Append('|')
            .Append(ce.ResourceType).Append('|').Append(List(ce.InstanceTypes)).Append('|').Append(N(ce.MinvCpus)).Append('|')
            .Append(N(ce.MaxvCpus)).Append('|').Append(N(ce.BidPercentage)).Append('|').Append(ce.AllocationStrategy).Append('|')
            .Append(ce.ServiceRole).Append('|').Append(List(ce.Subnets)).Append('|').Append(List(ce.SecurityGroupIds)).Append('|')
            .Append(List(ce.Tags.Select(t => t.Key + "=" + t.Value))).Append('\n')
            .Append(JsonSerializer.Serialize(request, Json));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    private async Task<(AuditEntry Entry, ComputeEnvironmentSnapshot Before)> RollbackSourceAsync(long auditId, CancellationToken cancellationToken)
    {
        var entry = await audit.GetAsync(auditId, cancellationToken) ?? throw new ApplyNotFoundException($"No audit entry {auditId}.");
        if (!entry.CanRollBack)
        {
            throw new InvalidOperationException($"Audit entry {auditId} is a {entry.Action} ({entry.Result}): only an apply that AWS accepted can be rolled back.");
        }

        return (entry, ParseCe(entry.BeforeJson!));
    }

    /// <summary>Rolling back restores every field the apply changed; say so when someone changed the CE since.</summary>
    private async Task<IReadOnlyList<string>> RollbackWarningsAsync(AuditEntry entry, ComputeEnvironmentSnapshot now, CancellationToken cancellationToken)
    {
        var warnings = new List<string>();
        if (entry.AfterJson is { } afterJson && Settings(ParseCe(afterJson)) != Settings(now))
        {
            warnings.Add($"{now.Name} was changed again after audit entry {entry.Id}: rolling back puts back the settings from before that apply and undoes the later change too.");
        }

        var children = await audit.ChildrenAsync(entry.Id, cancellationToken);
        if (children.LastOrDefault(c => c.Action == AuditAction.Rollback && c.Result == AuditResult.Succeeded) is { } done)
        {
            warnings.Add($"This apply was already rolled back by {done.Actor} at {done.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC (entry {done.Id}).");
        }

        return warnings;
    }

    private static string Settings(ComputeEnvironmentSnapshot ce) => string.Join('|', ce.State, string.Join(",", ce.InstanceTypes.Order(StringComparer.Ordinal)),
        ce.MinvCpus, ce.MaxvCpus, ChangePlanner.EffectiveBid(ce), ChangePlanner.EffectiveStrategy(ce));

    /// <summary>A CE from the AWS JSON stored in the audit log, read by the same parser as the live response.</summary>
    internal static ComputeEnvironmentSnapshot ParseCe(string rawJson)
    {
        using var document = JsonDocument.Parse("{\"computeEnvironments\":[" + rawJson + "]}");
        return BatchResponseParser.ComputeEnvironments(document).Items.Single();
    }

    private static async Task<ComputeEnvironmentSnapshot?> ReadAsync(IBatchApi batch, string name, CancellationToken cancellationToken) =>
        (await batch.DescribeComputeEnvironmentsAsync(cancellationToken)).FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    private static bool IsUpdating(ComputeEnvironmentSnapshot ce) => string.Equals(ce.Status, "UPDATING", StringComparison.OrdinalIgnoreCase);

    private static string Prefix(string action) => action == AuditAction.Rollback ? "Rollback: " : "";

    /// <summary>Only configured targets: the app holds credentials (or a role) for those and no others.</summary>
    private AwsTarget Target(string account, string region)
    {
        var target = targets.FirstOrDefault(t => string.Equals(t.Account, account, StringComparison.Ordinal) && string.Equals(t.Region, region, StringComparison.Ordinal));
        return target ?? throw new ArgumentException($"{account}/{region} is not a configured target (Aws:Targets).");
    }

    private static int? Int(string value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Action} of compute environment {Ce} accepted by AWS (audit {AuditId}, request {RequestId})")]
    private partial void LogApplied(string action, string ce, long auditId, string? requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change {AuditId} to compute environment {Ce} ended: {Result}")]
    private partial void LogOutcome(long auditId, string ce, string result);
}
