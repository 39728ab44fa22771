using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Web;

/// <summary>The API handlers called directly with real queries over SQLite (no host needed).</summary>
public sealed class ApiEndpointsTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private Task<Results<Ok<JobPage>, ValidationProblem>> Jobs(
        string? status = null, string? limit = null, string? after = null, string? from = null, string? sort = null) =>
        ApiEndpoints.GetJobsAsync(new JobQueries(_db.Factory), null, status, null, from, null, sort, limit, after, null, null, CancellationToken.None);

    [Theory]
    [InlineData("status", "DONE", null, null, null, null)]
    [InlineData("limit", null, "0", null, null, null)]
    [InlineData("limit", null, "ten", null, null, null)]
    [InlineData("after", null, null, "garbage", null, null)]
    [InlineData("from", null, null, null, "yesterday", null)]
    [InlineData("sort", null, null, null, null, "sideways")]
    public async Task GetJobsAsync_BadParameter_ValidationProblemNamingIt(
        string parameter, string? status, string? limit, string? after, string? from, string? sort)
    {
        var result = await Jobs(status, limit, after, from, sort);

        var problem = Assert.IsType<ValidationProblem>(result.Result);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal([parameter], problem.ProblemDetails.Errors.Keys);
    }

    [Fact]
    public async Task GetJobsAsync_NextCursor_LeadsToTheRemainingJobs()
    {
        _db.Add(Rows.Job("a", "q", BatchJobStatus.Failed, Rows.Now.AddMinutes(-1)),
            Rows.Job("b", "q", BatchJobStatus.Failed, Rows.Now.AddMinutes(-2)),
            Rows.Job("c", "q", BatchJobStatus.Succeeded, Rows.Now.AddMinutes(-3)));

        var first = Assert.IsType<Ok<JobPage>>((await Jobs(status: "failed", limit: "1")).Result).Value!;
        var second = Assert.IsType<Ok<JobPage>>((await Jobs(status: "failed", limit: "1", after: first.Next)).Result).Value!;

        Assert.Equal("a", Assert.Single(first.Items).JobId);
        Assert.Equal("b", Assert.Single(second.Items).JobId);
        Assert.Null(second.Next);
    }

    [Fact]
    public async Task GetJobAsync_UnknownId_NotFound()
    {
        var result = await ApiEndpoints.GetJobAsync(new JobQueries(_db.Factory), "missing", CancellationToken.None);

        Assert.IsType<NotFound>(result.Result);
    }

    [Fact]
    public async Task HealthAsync_DatabaseAnswers_OkText()
    {
        var result = await ApiEndpoints.HealthAsync(_db.Factory, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(200, result.StatusCode ?? 200);
        Assert.Equal("ok", result.ResponseContent);
    }

    [Fact]
    public async Task HealthAsync_DatabaseWithoutSchema_ServiceUnavailable()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bi-health-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var options = DataServiceCollectionExtensions.CreateOptions(new DatabaseOptions
            {
                ConnectionString = $"Data Source={Path.Combine(dir, "empty.db")};Pooling=False",
            });

            var result = await ApiEndpoints.HealthAsync(new Factory(options), NullLoggerFactory.Instance, CancellationToken.None);

            Assert.Equal(503, result.StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Factory(DbContextOptions<BatchInsightsDbContext> options) : IDbContextFactory<BatchInsightsDbContext>
    {
        public BatchInsightsDbContext CreateDbContext() => new(options);
    }
}
