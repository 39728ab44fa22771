using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace BatchInsights.Tests.Sandbox;

/// <summary>Every member the sandbox emits must exist in AWS Batch's API model (botocore), with valid enum values.</summary>
public sealed class BatchModelShapeTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static readonly Lazy<JsonElement> Model = new(() => LoadModel());

    private static JsonElement LoadModel([CallerFilePath] string thisFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(thisFile)!, "Models", "batch-2016-08-10.service-2.json.gz");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return JsonDocument.Parse(gz).RootElement.Clone();
    }

    private static string OutputShape(string operation) =>
        Model.Value.GetProperty("operations").GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!;

    private static void Check(JsonElement value, string shapeName, string path, List<string> problems)
    {
        var shape = Model.Value.GetProperty("shapes").GetProperty(shapeName);
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                var members = shape.GetProperty("members");
                foreach (var p in value.EnumerateObject())
                {
                    if (members.TryGetProperty(p.Name, out var m)) Check(p.Value, m.GetProperty("shape").GetString()!, $"{path}.{p.Name}", problems);
                    else problems.Add($"{path}.{p.Name} is not a member of {shapeName}");
                }

                break;
            case "list":
                foreach (var item in value.EnumerateArray()) Check(item, shape.GetProperty("member").GetProperty("shape").GetString()!, $"{path}[]", problems);
                break;
            case "map":
                foreach (var p in value.EnumerateObject()) Check(p.Value, shape.GetProperty("value").GetProperty("shape").GetString()!, $"{path}.{p.Name}", problems);
                break;
            case "string":
                if (value.ValueKind != JsonValueKind.String) problems.Add($"{path} should be a string");
                else if (shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == value.GetString()))
                    problems.Add($"{path} = '{value.GetString()}' is not in {shapeName}'s enum");
                break;
            case "integer" or "long":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out _)) problems.Add($"{path} should be an integer");
                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) problems.Add($"{path} should be a boolean");
                break;
            default:
                break;
        }
    }

    [Fact]
    public void Check_MemberMissingFromModelOrBadEnum_IsReported()
    {
        var problems = new List<string>();
        var body = JsonDocument.Parse("""{"jobSummaryList":[{"jobId":"a","jobName":"b","status":"DONE","costUsd":1}]}""").RootElement;

        Check(body, OutputShape("ListJobs"), "ListJobs", problems);

        Assert.Equal(["ListJobs.jobSummaryList[].status = 'DONE' is not in JobStatus's enum", "ListJobs.jobSummaryList[].costUsd is not a member of JobSummary"], problems);
    }

    [Fact]
    public async Task Responses_AllOperations_UseOnlyMembersTheModelDefines()
    {
        using var client = new SandboxClient(fixture.Server.BaseAddress);
        var problems = new List<string>();
        var responses = new List<(string Operation, JsonElement Body)>
        {
            ("DescribeComputeEnvironments", await client.CallAsync("describecomputeenvironments", new { })),
            ("DescribeJobQueues", await client.CallAsync("describejobqueues", new { })),
            ("DescribeJobDefinitions", await client.CallAsync("describejobdefinitions", new { })),
        };
        var ids = new List<string>();
        foreach (var queue in new[] { "critical", "batch-default", "batch-spot-optimal", "ml-gpu", "fargate-light" })
        {
            foreach (var status in new[] { "SUCCEEDED", "FAILED", "RUNNING", "RUNNABLE", "STARTING" })
            {
                var list = await client.CallAsync("listjobs", new { jobQueue = queue, jobStatus = status, maxResults = 20 });
                responses.Add(("ListJobs", list));
                ids.AddRange(list.GetProperty("jobSummaryList").EnumerateArray().Take(5).Select(j => j.GetProperty("jobId").GetString()!));
                foreach (var parent in list.GetProperty("jobSummaryList").EnumerateArray().Where(j => j.TryGetProperty("arrayProperties", out _)).Take(1))
                {
                    var children = await client.CallAsync("listjobs", new { arrayJobId = parent.GetProperty("jobId").GetString(), jobStatus = status });
                    responses.Add(("ListJobs", children));
                    ids.AddRange(children.GetProperty("jobSummaryList").EnumerateArray().Take(3).Select(j => j.GetProperty("jobId").GetString()!));
                }
            }
        }

        var mnp = (await client.CallAsync("listjobs", new { jobQueue = "critical", filters = new[] { new { name = "JOB_DEFINITION", values = new[] { "cfd-simulation" } } } }))
            .GetProperty("jobSummaryList")[0].GetProperty("jobId").GetString()!;
        var nodes = await client.CallAsync("listjobs", new { multiNodeJobId = mnp, jobStatus = "SUCCEEDED" });
        responses.Add(("ListJobs", nodes));
        ids.Add(mnp);
        ids.Add($"{mnp}#0");
        foreach (var batch in ids.Distinct().Chunk(100))
        {
            responses.Add(("DescribeJobs", await client.CallAsync("describejobs", new { jobs = batch })));
        }

        responses.Add(("UpdateComputeEnvironment", await client.CallAsync("updatecomputeenvironment", new { computeEnvironment = "fargate", state = "ENABLED" })));

        foreach (var (operation, body) in responses) Check(body, OutputShape(operation), operation, problems);

        Assert.True(ids.Distinct().Count() > 50, $"the check should cover many jobs, not {ids.Distinct().Count()}");
        Assert.Empty(problems.Distinct());
    }
}
