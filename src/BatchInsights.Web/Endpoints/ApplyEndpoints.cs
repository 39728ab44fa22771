using System.Security.Claims;
using BatchInsights.Web.Access;
using BatchInsights.Core.Access;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Recommendations;

namespace BatchInsights.Web.Endpoints;

/// <summary>The wanted settings of a compute environment (only the fields given are changed).</summary>
public sealed record ChangeBody(
    string? State = null,
    int? MinvCpus = null,
    int? MaxvCpus = null,
    int? DesiredvCpus = null,
    IReadOnlyList<string>? InstanceTypes = null,
    int? BidPercentage = null,
    string? AllocationStrategy = null,
    ComputeEnvironmentUpdatePolicy? UpdatePolicy = null)
{
    public ComputeEnvironmentUpdate ToUpdate(string name) =>
        new(name, State, MinvCpus, MaxvCpus, DesiredvCpus, InstanceTypes, BidPercentage, AllocationStrategy, UpdatePolicy);
}

/// <summary>Preview: <c>change</c>, or a <c>recommendationId</c> whose proposed change is used.</summary>
public sealed record PreviewBody(string? Account = null, string? Region = null, ChangeBody? Change = null, long? RecommendationId = null);

/// <summary>Apply: the same change as previewed, the preview's <c>token</c>, and the CE name typed as <c>confirmName</c>.</summary>
public sealed record ApplyBody(
    string? Account = null,
    string? Region = null,
    ChangeBody? Change = null,
    long? RecommendationId = null,
    string? Token = null,
    string? ConfirmName = null);

public sealed record RollbackBody(string? Token = null, string? ConfirmName = null);

/// <summary>
/// Preview / apply / roll back compute environment changes (Operator) and read the audit log (Viewer). The audit log
/// records the signed-in user (or the API token's owner) as the actor; Apply:Enabled can switch every write off.
/// </summary>
public static class ApplyEndpoints
{
    public static IEndpointRouteBuilder MapApplyApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/audit", ListAuditAsync).WithName("ListAuditEntries")
            .WithSummary("Audit entries of changes (applies, refusals, conflicts, outcomes, rollbacks), newest first; `limit` 1-500, `before` an id to page back.");
        api.MapPost("/compute-environments/{name}/preview", PreviewAsync).WithName("PreviewComputeEnvironmentChange").RequireAuthorization(Roles.Operator)
            .WithSummary("Diff of a change (body `change`, or `recommendationId`) against the CE as AWS describes it now: kind, rejections, effects, CLI/Terraform/CloudFormation and the `token` to apply with.");
        api.MapPost("/compute-environments/{name}/apply", ApplyAsync).WithName("ApplyComputeEnvironmentChange").RequireAuthorization(Roles.Operator)
            .WithSummary("Applies a previewed change: needs the preview's `token` and `confirmName` = the CE name. 200 applied, 409 conflict (the CE changed; body has the new diff), 422 refused, 502 AWS error.");
        api.MapPost("/audit/{id:long}/rollback/preview", PreviewRollbackAsync).WithName("PreviewRollback").RequireAuthorization(Roles.Operator)
            .WithSummary("Diff of putting back the settings an accepted apply recorded as before, against the CE now.");
        api.MapPost("/audit/{id:long}/rollback", RollbackAsync).WithName("Rollback").RequireAuthorization(Roles.Operator)
            .WithSummary("Rolls back an accepted apply through the same checks as an apply (`token` from the rollback preview, `confirmName`).");
        return endpoints;
    }

    public static async Task<IResult> ListAuditAsync(AuditLog log, int? limit, long? before, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > AuditLog.MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {AuditLog.MaxLimit}."] });
        }

        return TypedResults.Ok(await log.ListAsync(limit ?? 100, before, cancellationToken));
    }

    public static async Task<IResult> PreviewAsync(
        ApplyService service, RecommendationStore store, IEnumerable<AwsTarget> targets, string name, PreviewBody? body, string? account, string? region, CancellationToken cancellationToken)
    {
        body ??= new PreviewBody();
        var (wanted, problem) = await WantedAsync(store, name, body.Change, body.RecommendationId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (ResolveTarget(targets, body.Account ?? account, body.Region ?? region) is not { } target)
        {
            return TargetProblem(targets);
        }

        return await GuardAsync(async () => TypedResults.Ok(await service.PreviewAsync(target.Account, target.Region, name, wanted!, body.RecommendationId, cancellationToken)));
    }

    public static async Task<IResult> ApplyAsync(
        ApplyService service, RecommendationStore store, IEnumerable<AwsTarget> targets, string name, ApplyBody body, string? account, string? region, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (wanted, problem) = await WantedAsync(store, name, body.Change, body.RecommendationId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (ResolveTarget(targets, body.Account ?? account, body.Region ?? region) is not { } target)
        {
            return TargetProblem(targets);
        }

        return await GuardAsync(async () => ToHttp(await service.ApplyAsync(
            new ApplyRequest(target.Account, target.Region, name, wanted!, body.Token ?? "", body.ConfirmName ?? "", user.ActorName(), body.RecommendationId),
            cancellationToken)));
    }

    public static Task<IResult> PreviewRollbackAsync(ApplyService service, long id, CancellationToken cancellationToken) =>
        GuardAsync(async () => TypedResults.Ok(await service.PreviewRollbackAsync(id, cancellationToken)));

    public static Task<IResult> RollbackAsync(ApplyService service, long id, RollbackBody? body, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        body ??= new RollbackBody();
        return GuardAsync(async () => ToHttp(await service.RollbackAsync(id, body.Token ?? "", body.ConfirmName ?? "", user.ActorName(), cancellationToken)));
    }

    private static IResult ToHttp(ApplyResult result) => result.Outcome switch
    {
        ApplyOutcome.Applied => TypedResults.Ok(result),
        ApplyOutcome.Conflict => TypedResults.Conflict(result),
        ApplyOutcome.Refused => TypedResults.UnprocessableEntity(result),
        _ => TypedResults.Json(result, statusCode: StatusCodes.Status502BadGateway),
    };

    private static async Task<(ComputeEnvironmentUpdate? Wanted, IResult? Problem)> WantedAsync(
        RecommendationStore store, string name, ChangeBody? change, long? recommendationId, CancellationToken cancellationToken)
    {
        if (change is not null)
        {
            return (change.ToUpdate(name), null);
        }

        if (recommendationId is not { } id)
        {
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["change"] = ["Give the wanted settings as `change`, or a `recommendationId`."] }));
        }

        if (await store.GetAsync(id, cancellationToken) is not { } detail)
        {
            return (null, TypedResults.NotFound());
        }

        var fromRecommendation = ApplyService.FromRecommendation(detail);
        if (fromRecommendation.Update is not { } update)
        {
            return (null, TypedResults.Problem(fromRecommendation.NotAppliable, statusCode: StatusCodes.Status422UnprocessableEntity));
        }

        if (!string.Equals(fromRecommendation.ComputeEnvironment, name, StringComparison.Ordinal))
        {
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"Recommendation {id} is about {fromRecommendation.ComputeEnvironment}, not {name}."] }));
        }

        return (update, null);
    }

    /// <summary>account/region as given, or the only configured target when neither is given.</summary>
    private static AwsTarget? ResolveTarget(IEnumerable<AwsTarget> targets, string? account, string? region)
    {
        var matches = targets.Where(t => (account is null || t.Account == account) && (region is null || t.Region == region)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    private static IResult TargetProblem(IEnumerable<AwsTarget> targets) => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["account"] = [$"Give `account` and `region` of one configured target ({string.Join(", ", targets.Select(t => $"{t.Account}/{t.Region}"))})."],
    });

    private static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (ApplyNotFoundException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (AwsApiException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status502BadGateway);
        }
    }
}
