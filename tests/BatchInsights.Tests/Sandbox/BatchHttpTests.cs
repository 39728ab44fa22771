using System.Net;
using System.Text.Json;
using BatchInsights.Sandbox;

namespace BatchInsights.Tests.Sandbox;

public sealed class BatchHttpTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private SandboxClient Client() => new(fixture.Server.BaseAddress);

    private static async Task<(HttpStatusCode Status, string? Type, string? HeaderType, string? Message, bool HasRequestId)> ErrorOf(HttpResponseMessage response)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode,
            body.GetProperty("__type").GetString(),
            response.Headers.TryGetValues("x-amzn-ErrorType", out var t) ? t.Single() : null,
            body.GetProperty("message").GetString(),
            response.Headers.Contains("x-amzn-RequestId"));
    }

    [Fact]
    public async Task Post_WithoutAuthorization_Is403()
    {
        using var client = Client();

        using var response = await client.PostAsync("describejobqueues", new { }, signed: false);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Equal("MissingAuthenticationTokenException", error.Type);
        Assert.Equal(error.Type, error.HeaderType);
        Assert.True(error.HasRequestId);
    }

    [Fact]
    public async Task DescribeJobs_MoreThan100Ids_Is400ClientException()
    {
        using var client = Client();
        var ids = Enumerable.Range(0, 101).Select(_ => Guid.NewGuid().ToString()).ToArray();

        using var response = await client.PostAsync("describejobs", new { jobs = ids });
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal("ClientException", error.Type);
        Assert.Equal("ClientException", error.HeaderType);
        Assert.Contains("100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeJobs_UnknownIds_AreOmitted()
    {
        using var client = Client();
        var known = (await client.CallAsync("listjobs", new { jobQueue = "critical", jobStatus = "SUCCEEDED", maxResults = 1 }))
            .GetProperty("jobSummaryList")[0].GetProperty("jobId").GetString();

        var jobs = (await client.CallAsync("describejobs", new { jobs = new[] { known, Guid.NewGuid().ToString(), "nonsense" } })).GetProperty("jobs");

        Assert.Equal(1, jobs.GetArrayLength());
        Assert.Equal(known, jobs[0].GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task ListJobs_PagedAt100_NewestFirstWithoutGapsOrDuplicates()
    {
        using var client = Client();
        var whole = (await client.CallAsync("listjobs", new { jobQueue = "batch-default", jobStatus = "SUCCEEDED", maxResults = 1000 }))
            .GetProperty("jobSummaryList").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).ToList();

        var paged = new List<(string Id, long CreatedAt)>();
        string? token = null;
        do
        {
            var page = await client.CallAsync("listjobs", new { jobQueue = "batch-default", jobStatus = "SUCCEEDED", maxResults = 100, nextToken = token });
            paged.AddRange(page.GetProperty("jobSummaryList").EnumerateArray()
                .Select(j => (j.GetProperty("jobId").GetString()!, j.GetProperty("createdAt").GetInt64())));
            token = page.TryGetProperty("nextToken", out var t) ? t.GetString() : null;
        }
        while (token is not null && paged.Count < 1000);

        Assert.Equal(1000, whole.Count);
        Assert.Equal(whole, paged.Take(1000).Select(p => p.Id));
        Assert.Equal(paged.Select(p => p.CreatedAt).OrderDescending(), paged.Select(p => p.CreatedAt));
    }

    [Fact]
    public async Task ListJobs_NoStatus_DefaultsToRunning()
    {
        using var client = Client();

        var jobs = (await client.CallAsync("listjobs", new { jobQueue = "batch-default" })).GetProperty("jobSummaryList");

        Assert.True(jobs.GetArrayLength() > 0);
        Assert.All(jobs.EnumerateArray(), j => Assert.Equal("RUNNING", j.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task ListJobs_AfterCreatedAtFilter_IgnoresStatusAndAllowsAtMost100()
    {
        using var client = Client();
        var since = SandboxFixture.Start.AddHours(-6).ToUnixTimeMilliseconds();
        var filter = new[] { new { name = "AFTER_CREATED_AT", values = new[] { since.ToString(System.Globalization.CultureInfo.InvariantCulture) } } };

        var page = (await client.CallAsync("listjobs", new { jobQueue = "batch-default", jobStatus = "SUCCEEDED", filters = filter, maxResults = 100 }))
            .GetProperty("jobSummaryList").EnumerateArray().ToList();
        using var tooMany = await client.PostAsync("listjobs", new { jobQueue = "batch-default", filters = filter, maxResults = 101 });

        Assert.NotEmpty(page);
        Assert.All(page, j => Assert.True(j.GetProperty("createdAt").GetInt64() >= since));
        Assert.True(page.Select(j => j.GetProperty("status").GetString()).Distinct().Count() > 1, "a filter ignores jobStatus");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task ListJobs_JobNameWildcard_MatchesByPrefix()
    {
        using var client = Client();

        var jobs = (await client.CallAsync("listjobs", new { jobQueue = "critical", filters = new[] { new { name = "JOB_NAME", values = new[] { "cfd-simulation*" } } } }))
            .GetProperty("jobSummaryList").EnumerateArray().ToList();

        Assert.NotEmpty(jobs);
        Assert.All(jobs, j => Assert.StartsWith("cfd-simulation", j.GetProperty("jobName").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListJobs_NeitherQueueNorParent_Is400()
    {
        using var client = Client();

        using var response = await client.PostAsync("listjobs", new { jobStatus = "RUNNING" });
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal("ClientException", error.Type);
    }

    [Fact]
    public async Task UnknownOperation_Is404UnknownOperationException()
    {
        using var client = Client();

        using var response = await client.PostAsync("submitjobz", new { });
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("UnknownOperationException", error.Type);
    }

    [Fact]
    public async Task UpdateComputeEnvironment_ScaleUpThenDown_SecondIsRejected()
    {
        using var client = Client();

        var ok = await client.CallAsync("updatecomputeenvironment", new { computeEnvironment = "gpu-od", computeResources = new { desiredvCpus = 8 } });
        using var down = await client.PostAsync("updatecomputeenvironment", new { computeEnvironment = "gpu-od", computeResources = new { desiredvCpus = 4 } });
        var error = await ErrorOf(down);
        var ce = (await client.CallAsync("describecomputeenvironments", new { computeEnvironments = new[] { "gpu-od" } })).GetProperty("computeEnvironments")[0];

        Assert.Equal("gpu-od", ok.GetProperty("computeEnvironmentName").GetString());
        Assert.EndsWith(":compute-environment/gpu-od", ok.GetProperty("computeEnvironmentArn").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.StartsWith("Manually scaling down compute environment is not supported.", error.Message, StringComparison.Ordinal);
        Assert.Equal(8, ce.GetProperty("computeResources").GetProperty("desiredvCpus").GetInt32());
    }

    [Fact]
    public async Task DescribeJobQueues_MaxResults2_PagesThroughAllQueues()
    {
        using var client = Client();
        var names = new List<string>();
        string? token = null;

        do
        {
            var page = await client.CallAsync("describejobqueues", new { maxResults = 2, nextToken = token });
            names.AddRange(page.GetProperty("jobQueues").EnumerateArray().Select(q => q.GetProperty("jobQueueName").GetString()!));
            token = page.TryGetProperty("nextToken", out var t) ? t.GetString() : null;
        }
        while (token is not null);

        Assert.Equal(["critical", "batch-default", "batch-spot-optimal", "ml-gpu", "fargate-light", "lab"], names);
    }
}

public sealed class ThrottlingTests
{
    [Fact]
    public async Task AnyCall_ThrottleShareOne_Is429TooManyRequests()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxSettings { ThrottleShare = 1, TargetJobCount = 2_000 }, CancellationToken.None);
        using var client = new SandboxClient(server.BaseAddress);

        using var response = await client.PostAsync("describejobqueues", new { });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("TooManyRequestsException", body.GetProperty("__type").GetString());
        Assert.Equal("Too Many Requests", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Calls_ThrottleShareHalf_EveryOtherCallIsRefused()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxSettings { ThrottleShare = 0.5, TargetJobCount = 2_000 }, CancellationToken.None);
        using var client = new SandboxClient(server.BaseAddress);
        var statuses = new List<int>();

        for (var i = 0; i < 10; i++)
        {
            using var response = await client.PostAsync("describejobqueues", new { });
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal(5, statuses.Count(s => s == 429));
        Assert.Equal(5, statuses.Count(s => s == 200));
    }

    [Fact]
    public async Task Calls_BeyondBurst_AreThrottled()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxSettings { RequestsPerSecond = 0.001, Burst = 3, TargetJobCount = 2_000 }, CancellationToken.None);
        using var client = new SandboxClient(server.BaseAddress);
        var statuses = new List<int>();

        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsync("describejobqueues", new { });
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([200, 200, 200, 429, 429], statuses);
    }
}
