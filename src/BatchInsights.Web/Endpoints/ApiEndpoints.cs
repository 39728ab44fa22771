using System.Globalization;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Web.Endpoints;

/// <summary>
/// The read-only JSON API under /api/v1 and /healthz. Handlers are plain static methods so tests can call
/// them with real query objects and no host.
/// </summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapBatchInsightsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/queues", GetQueuesAsync).WithName("ListQueues")
            .WithSummary("Job queues with job counts by status and a stuck verdict; `account` and `region` filter.");
        api.MapGet("/compute-environments", GetComputeEnvironmentsAsync).WithName("ListComputeEnvironments")
            .WithSummary("Compute environments as last harvested; `account` and `region` filter.");
        api.MapGet("/jobs", GetJobsAsync).WithName("ListJobs")
            .WithSummary("Jobs, keyset-paged: pass the previous response's `next` as `after`.")
            .WithDescription("Filters combine with AND. `account` and `region` pick one target's jobs. `from`/`to` are epoch milliseconds or ISO-8601 (UTC unless offset given); `to` is exclusive. `sort` is `desc` (default, newest first) or `asc`. `limit` is 1-500 (default 50).");
        api.MapGet("/jobs/{id}", GetJobAsync).WithName("GetJob")
            .WithSummary("One job with its attempts and array relations.");
        api.MapGet("/harvest/runs", GetHarvestRunsAsync).WithName("ListHarvestRuns")
            .WithSummary("Latest harvest runs, newest first.");
        endpoints.MapGet("/healthz", HealthAsync).AllowAnonymous().WithName("Health").WithTags("Health")
            .WithSummary("200 \"ok\" when the database answers, else 503.");
        endpoints.MapReportDeliveryApi();
        return endpoints;
    }

    public static async Task<Ok<IReadOnlyList<QueueSummary>>> GetQueuesAsync(
        QueueQueries queries, string? account, string? region, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.ListAsync(TargetFilter.From(account, region), cancellationToken));

    public static async Task<Ok<IReadOnlyList<ComputeEnvironmentSummary>>> GetComputeEnvironmentsAsync(
        ComputeEnvironmentQueries queries, string? account, string? region, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.ListAsync(TargetFilter.From(account, region), cancellationToken));

    public static async Task<Results<Ok<JobPage>, ValidationProblem>> GetJobsAsync(
        JobQueries queries,
        string? queue,
        string? status,
        string? name,
        string? from,
        string? to,
        string? sort,
        string? limit,
        string? after,
        string? account,
        string? region,
        CancellationToken cancellationToken)
    {
        // Parameters arrive as strings so that a bad value gets a ProblemDetails naming it,
        // not the framework's bare binding failure.
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var take = JobQueries.DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take))
        {
            errors["limit"] = [$"limit must be a whole number between 1 and {JobQueries.MaxLimit}."];
        }

        long? fromMs = ReadTime(from, "from", errors);
        long? toMs = ReadTime(to, "to", errors);
        var order = JobSort.CreatedDesc;
        if (string.Equals(sort, "asc", StringComparison.OrdinalIgnoreCase))
        {
            order = JobSort.CreatedAsc;
        }
        else if (!string.IsNullOrEmpty(sort) && !string.Equals(sort, "desc", StringComparison.OrdinalIgnoreCase))
        {
            errors["sort"] = ["sort must be asc or desc."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        try
        {
            return TypedResults.Ok(await queries.ListAsync(new JobFilter(queue, status, name, fromMs, toMs, order, account, region), after, take, cancellationToken));
        }
        catch (InvalidQueryParameterException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.Parameter] = [ex.Message] });
        }
    }

    public static async Task<Results<Ok<JobDetail>, NotFound>> GetJobAsync(JobQueries queries, string id, CancellationToken cancellationToken) =>
        await queries.GetJobAsync(id, cancellationToken) is { } job ? TypedResults.Ok(job) : TypedResults.NotFound();

    public static async Task<Results<Ok<IReadOnlyList<HarvestRunSummary>>, ValidationProblem>> GetHarvestRunsAsync(
        HarvestRunQueries queries, string? limit, CancellationToken cancellationToken)
    {
        var take = HarvestRunQueries.DefaultLimit;
        if ((!string.IsNullOrEmpty(limit) && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take))
            || take is < 1 or > HarvestRunQueries.MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [$"limit must be a whole number between 1 and {HarvestRunQueries.MaxLimit}."],
            });
        }

        return TypedResults.Ok(await queries.ListLatestAsync(take, cancellationToken));
    }

    public static async Task<ContentHttpResult> HealthAsync(
        IDbContextFactory<BatchInsightsDbContext> dbFactory, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            // A real query, not just "can connect": SQLite would happily open an empty new file.
            await db.HarvestRuns.AsNoTracking().AnyAsync(cancellationToken);
            return TypedResults.Text("ok", "text/plain");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            loggerFactory.CreateLogger(typeof(ApiEndpoints)).LogWarning(ex, "Health check: the database did not answer");
            return TypedResults.Text("database unavailable", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>An optional time parameter (epoch ms or ISO-8601); a bad value is added to <paramref name="errors"/>.</summary>
    internal static long? ReadTime(string? value, string parameter, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (BrowseFormat.TryParseTime(value, out var ms))
        {
            return ms;
        }

        errors[parameter] = [$"{parameter} must be epoch milliseconds or an ISO-8601 date/time."];
        return null;
    }
}
