using System.Text.Json;
using System.Text.Json.Nodes;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Aws;

public sealed class BatchApiClientTests
{
    [Fact]
    public async Task DescribeJobDefinitions_ThreePages_FollowsNextTokenWithMaxResults100()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(request =>
        {
            var token = JsonNode.Parse(request.Body)!["nextToken"]?.GetValue<string>();
            var (revision, next) = token switch { null => (1, "t2"), "t2" => (2, "t3"), "t3" => (3, (string?)null), _ => (0, null) };
            var nextJson = next is null ? "" : $$""","nextToken":"{{next}}" """;
            return ScriptedResponse.Ok($$"""{"jobDefinitions":[{{JobDefinitionJson("jd", revision)}}]{{nextJson}}}""");
        });
        var client = TestClients.Batch(server.Endpoint);

        var definitions = await client.DescribeJobDefinitionsAsync(CancellationToken.None);

        Assert.Equal([1, 2, 3], definitions.Select(d => d.Revision));
        Assert.All(server.Requests, r => Assert.Equal("/v1/describejobdefinitions", r.Path));
        Assert.All(server.Requests, r => Assert.Equal(100, JsonNode.Parse(r.Body)!["maxResults"]!.GetValue<int>()));
        Assert.Equal(["", "t2", "t3"], server.Requests.Select(r => JsonNode.Parse(r.Body)!["nextToken"]?.GetValue<string>() ?? ""));
    }

    [Fact]
    public async Task DescribeJobQueues_ServerRepeatsNextToken_ThrowsInsteadOfLooping()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Ok("""{"jobQueues":[],"nextToken":"same"}"""));
        var client = TestClients.Batch(server.Endpoint);

        var error = await Assert.ThrowsAsync<AwsApiException>(() => client.DescribeJobQueuesAsync(CancellationToken.None));

        Assert.Contains("returned twice", error.Message);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task DescribeJobs_250Ids_MakesThreeCallsOfAtMost100()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(request =>
        {
            var ids = JsonNode.Parse(request.Body)!["jobs"]!.AsArray().Select(n => n!.GetValue<string>());
            return ScriptedResponse.Ok($$"""{"jobs":[{{string.Join(",", ids.Select(id => JobJson(id)))}}]}""");
        });
        var client = TestClients.Batch(server.Endpoint);
        var ids = Enumerable.Range(0, 250).Select(i => $"job-{i:D3}").ToList();

        var jobs = await client.DescribeJobsAsync(ids, CancellationToken.None);

        Assert.Equal([100, 100, 50], server.Requests.Select(r => JsonNode.Parse(r.Body)!["jobs"]!.AsArray().Count));
        Assert.All(server.Requests, r => Assert.Equal("/v1/describejobs", r.Path));
        Assert.Equal(ids, jobs.Select(j => j.JobId));
    }

    [Fact]
    public async Task DescribeJobs_NoIds_MakesNoCall()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        var client = TestClients.Batch(server.Endpoint);

        var jobs = await client.DescribeJobsAsync([], CancellationToken.None);

        Assert.Empty(jobs);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task DescribeJobs_RichJobDetails_MapsResourcesArraysNodesAndAttempts()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok($$"""
            {"jobs":[
              {{JobJson("parent", extra: """
                "arrayProperties":{"size":1000,"statusSummary":{"SUCCEEDED":990,"FAILED":10}},
                "container":{"resourceRequirements":[{"type":"VCPU","value":"0.25"},{"type":"MEMORY","value":"512"},{"type":"GPU","value":"1"}]},
                "tags":{"team":"genomics"},"shareIdentifier":"blue"
                """)}},
              {{JobJson("child", extra: """
                "arrayProperties":{"index":7},
                "container":{"vcpus":4,"memory":8192,"exitCode":137,"reason":"OutOfMemoryError: Container killed","logStreamName":"jd/default/abc"},
                "attempts":[{"container":{"containerInstanceArn":"arn:ci/1","taskArn":"arn:task/1","exitCode":1,"reason":"first","logStreamName":"s1"},"startedAt":1700000001000,"stoppedAt":1700000002000,"statusReason":"Essential container in task exited"},
                            {"container":{"containerInstanceArn":"arn:ci/2","taskArn":"arn:task/2","exitCode":137},"startedAt":1700000003000,"stoppedAt":1700000004000}]
                """)}},
              {{JobJson("mnp", extra: """
                "nodeProperties":{"numNodes":4,"mainNode":0,"nodeRangeProperties":[{"targetNodes":"0:","container":{"resourceRequirements":[{"type":"VCPU","value":"16"},{"type":"MEMORY","value":"65536"}]}}]},
                "attempts":[{"container":{"exitCode":0,"reason":"done","logStreamName":"mnp/0"}}]
                """)}}
            ]}
            """));
        var client = TestClients.Batch(server.Endpoint);

        var jobs = (await client.DescribeJobsAsync(["parent", "child", "mnp"], CancellationToken.None)).ToDictionary(j => j.JobId);

        var parent = jobs["parent"];
        Assert.Equal((0.25, 512L, 1), (parent.Vcpus, parent.MemoryMib, parent.Gpus));
        Assert.Equal(1000, parent.ArraySize);
        Assert.Equal(990, parent.ArrayStatusSummary["SUCCEEDED"]);
        Assert.Equal("genomics", parent.Tags["team"]);
        Assert.Equal("blue", parent.ShareIdentifier);
        Assert.Empty(parent.Attempts);

        var child = jobs["child"];
        Assert.Equal((4.0, 8192L, (int?)null), (child.Vcpus, child.MemoryMib, child.Gpus));
        Assert.Equal(7, child.ArrayIndex);
        Assert.Equal(137, child.ExitCode);
        Assert.Equal("OutOfMemoryError: Container killed", child.ContainerReason);
        Assert.Equal("jd/default/abc", child.LogStreamName);
        Assert.Equal(["arn:task/1", "arn:task/2"], child.Attempts.Select(a => a.TaskArn));
        Assert.Equal(new JobAttemptSnapshot(0, "arn:ci/1", "arn:task/1", 1700000001000, 1700000002000, 1, "first", "Essential container in task exited", "s1"), child.Attempts[0]);

        var mnp = jobs["mnp"];
        Assert.Equal(4, mnp.NumNodes);
        Assert.Equal((16.0, 65536L), (mnp.Vcpus, mnp.MemoryMib));
        Assert.Equal((0, "done", "mnp/0"), (mnp.ExitCode, mnp.ContainerReason, mnp.LogStreamName));
        Assert.Equal(1_700_000_000_000, mnp.CreatedAtMs);
        Assert.True(mnp.IsTerminal);
    }

    [Fact]
    public async Task DescribeComputeEnvironments_ManagedSpot_MapsComputeResources()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok("""
            {"computeEnvironments":[{"computeEnvironmentName":"spot","computeEnvironmentArn":"arn:aws:batch:us-east-1:1:compute-environment/spot",
              "type":"MANAGED","state":"ENABLED","status":"VALID","ecsClusterArn":"arn:ecs/c","serviceRole":"arn:role/b","tags":{"env":"prod"},
              "computeResources":{"type":"SPOT","allocationStrategy":"SPOT_PRICE_CAPACITY_OPTIMIZED","minvCpus":0,"maxvCpus":256,"desiredvCpus":8,
                "instanceTypes":["c5","m5.large"],"subnets":["subnet-1"],"securityGroupIds":["sg-1"],"bidPercentage":60},
              "updatePolicy":{"terminateJobsOnUpdate":true}},
             {"computeEnvironmentName":"bare","computeEnvironmentArn":"arn:aws:batch:us-east-1:1:compute-environment/bare","type":"UNMANAGED"}]}
            """));
        var client = TestClients.Batch(server.Endpoint);

        var ces = await client.DescribeComputeEnvironmentsAsync(CancellationToken.None);

        var spot = ces[0];
        Assert.Equal(("SPOT", "SPOT_PRICE_CAPACITY_OPTIMIZED", 0, 8, 256, 60), (spot.ResourceType, spot.AllocationStrategy, spot.MinvCpus, spot.DesiredvCpus, spot.MaxvCpus, spot.BidPercentage));
        Assert.Equal(["c5", "m5.large"], spot.InstanceTypes);
        Assert.Equal("prod", spot.Tags["env"]);
        Assert.Contains("\"bidPercentage\":60", spot.RawJson);
        var bare = ces[1];
        Assert.Equal("UNMANAGED", bare.Type);
        Assert.Empty(bare.InstanceTypes);
        Assert.Empty(bare.Subnets);
        Assert.Empty(bare.Tags);
        // The update policy the CE runs under, AWS's defaults for what it leaves out (30 minutes; keep jobs).
        Assert.Equal(new ComputeEnvironmentUpdatePolicy(TerminateJobsOnUpdate: true, JobExecutionTimeoutMinutes: 30), spot.UpdatePolicy);
        Assert.Equal(new ComputeEnvironmentUpdatePolicy(), bare.UpdatePolicy);
    }

    [Fact]
    public async Task ListJobs_WithFilter_SendsFilterAndReturnsOnePage()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok("""
            {"jobSummaryList":[{"jobArn":"arn:job/1","jobId":"1","jobName":"n","status":"FAILED","createdAt":1700000000000,"stoppedAt":1700000009000,
               "container":{"exitCode":2,"reason":"bad"},"arrayProperties":{"size":5},"jobDefinition":"arn:jd:1"}],
             "nextToken":"page-2"}
            """));
        var client = TestClients.Batch(server.Endpoint);

        var page = await client.ListJobsAsync(new ListJobsQuery(JobQueue: "q1", FilterName: "AFTER_CREATED_AT", FilterValue: "1700000000000", MaxResults: 100), CancellationToken.None);

        Assert.Equal("page-2", page.NextToken);
        Assert.Equal(new JobSummarySnapshot("1", "n", "FAILED", null, 1700000000000, null, 1700000009000, 2, "bad", 5, null, "arn:jd:1"), Assert.Single(page.Jobs));
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/listjobs", request.Path);
        Assert.Equal(
            """{"jobQueue":"q1","filters":[{"name":"AFTER_CREATED_AT","values":["1700000000000"]}],"maxResults":100}""",
            request.Body);
    }

    [Fact]
    public async Task ListJobs_QueueAndArrayJobTogether_IsRejectedBeforeAnyCall()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        var client = TestClients.Batch(server.Endpoint);

        await Assert.ThrowsAsync<ArgumentException>(() => client.ListJobsAsync(new ListJobsQuery(JobQueue: "q", ArrayJobId: "a"), CancellationToken.None));

        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task UpdateComputeEnvironment_OnlySetFields_AreSent()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok("""{"computeEnvironmentName":"ce1","computeEnvironmentArn":"arn:ce/ce1"}"""));
        var client = TestClients.Batch(server.Endpoint);

        var result = await client.UpdateComputeEnvironmentAsync(new ComputeEnvironmentUpdate("ce1", MaxvCpus: 64, InstanceTypes: ["c6i"]), CancellationToken.None);

        Assert.Equal(new ComputeEnvironmentUpdateResult("arn:ce/ce1", "ce1", "req-ok"), result);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/updatecomputeenvironment", request.Path);
        Assert.Equal("""{"computeEnvironment":"ce1","computeResources":{"maxvCpus":64,"instanceTypes":["c6i"]}}""", request.Body);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>", "not valid JSON")]
    [InlineData("""{"nope":[]}""", "response.jobs is missing")]
    [InlineData("""{"jobs":{}}""", "response.jobs is Object, expected an array")]
    [InlineData("""{"jobs":[{"jobId":"j","jobArn":"a","jobName":"n","jobQueue":"q","status":"RUNNING","jobDefinition":"d"}]}""", "response.jobs[0].createdAt is missing")]
    [InlineData("""{"jobs":[{"jobId":"j","jobArn":"a","jobName":"n","jobQueue":"q","status":"RUNNING","jobDefinition":"d","createdAt":"yesterday"}]}""", "response.jobs[0].createdAt is String, expected an integer")]
    [InlineData("""{"jobs":[{"jobArn":"a","jobName":"n","jobQueue":"q","status":"RUNNING","jobDefinition":"d","createdAt":1}]}""", "response.jobs[0].jobId is missing")]
    [InlineData("""{"jobs":[{"jobId":"j","jobArn":"a","jobName":"n","jobQueue":"q","status":"RUNNING","jobDefinition":"d","createdAt":1,"container":{"resourceRequirements":[{"type":"VCPU","value":"lots"}]}}]}""", "resourceRequirements[0].value is 'lots'")]
    public async Task DescribeJobs_MalformedResponse_ThrowsNamingOperationAndProblem(string body, string problem)
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok(body));
        var client = TestClients.Batch(server.Endpoint);

        var error = await Assert.ThrowsAsync<AwsApiException>(() => client.DescribeJobsAsync(["j"], CancellationToken.None));

        Assert.Equal("DescribeJobs", error.Operation);
        Assert.Contains("Batch DescribeJobs failed: unexpected response", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Equal("req-ok", error.RequestId);
        Assert.Single(server.Requests);
    }

    private static string JobDefinitionJson(string name, int revision) => JsonSerializer.Serialize(new
    {
        jobDefinitionName = name,
        jobDefinitionArn = $"arn:aws:batch:us-east-1:1:job-definition/{name}:{revision}",
        revision,
        type = "container",
        status = "ACTIVE",
    });

    private static string JobJson(string id, string extra = "") => $$"""
        {"jobArn":"arn:aws:batch:us-east-1:1:job/{{id}}","jobId":"{{id}}","jobName":"name-{{id}}","jobQueue":"arn:q","status":"SUCCEEDED",
         "createdAt":1700000000000,"startedAt":1700000001000,"stoppedAt":1700000005000,"jobDefinition":"arn:jd:1"{{(extra.Length > 0 ? "," + extra : "")}}}
        """;
}
