using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Aws;

public sealed class BatchApiClientResilienceTests
{
    private const string EmptyQueues = """{"jobQueues":[]}""";

    [Fact]
    public async Task DescribeJobQueues_ThrottledTwiceThenOk_SucceedsAndCountsThrottles()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(
            ScriptedResponse.Error(429, "TooManyRequestsException", "Too Many Requests"),
            ScriptedResponse.Error(429, "TooManyRequestsException", "Too Many Requests"),
            ScriptedResponse.Ok(EmptyQueues));
        var client = TestClients.Batch(server.Endpoint);

        var queues = await client.DescribeJobQueuesAsync(CancellationToken.None);

        Assert.Empty(queues);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(3, client.Stats.Calls);
        Assert.Equal(2, client.Stats.Throttled);
        Assert.Equal(2, client.Stats.Retries);
    }

    [Fact]
    public async Task DescribeJobQueues_AlwaysThrottled_ThrowsAfterMaxRetriesWithCodeAndRequestId()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Error(429, "TooManyRequestsException", "Too Many Requests", requestId: "rid-429"));
        var client = TestClients.Batch(server.Endpoint, TestClients.FastPolicy with { MaxRetries = 3 });

        var error = await Assert.ThrowsAsync<AwsApiException>(() => client.DescribeJobQueuesAsync(CancellationToken.None));

        Assert.Equal("DescribeJobQueues", error.Operation);
        Assert.Equal(429, error.HttpStatus);
        Assert.Equal("TooManyRequestsException", error.ErrorCode);
        Assert.Equal("rid-429", error.RequestId);
        Assert.Contains("gave up after 4 attempts", error.Message);
        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(4, client.Stats.Throttled);
        Assert.Equal(3, client.Stats.Retries);
    }

    [Fact]
    public async Task DescribeJobQueues_ClientException_IsNotRetried()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Error(400, "ClientException", "Job queue q-missing does not exist", requestId: "rid-400"));
        var client = TestClients.Batch(server.Endpoint);

        var error = await Assert.ThrowsAsync<AwsApiException>(() => client.DescribeJobQueuesAsync(CancellationToken.None));

        Assert.Single(server.Requests);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("ClientException", error.ErrorCode);
        Assert.Equal("rid-400", error.RequestId);
        Assert.Contains("does not exist", error.Message);
        Assert.Equal(0, client.Stats.Retries);
    }

    [Fact]
    public async Task DescribeJobQueues_ThrottlingExceptionWith400AndServerErrorThenOk_RetriesBoth()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(
            new ScriptedResponse(400, """{"message":"Rate exceeded"}""", new Dictionary<string, string> { ["x-amzn-ErrorType"] = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/" }),
            ScriptedResponse.Error(503, "ServerException", "Service Unavailable"),
            ScriptedResponse.Ok(EmptyQueues));
        var client = TestClients.Batch(server.Endpoint);

        await client.DescribeJobQueuesAsync(CancellationToken.None);

        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(1, client.Stats.Throttled);
        Assert.Equal(2, client.Stats.Retries);
    }

    [Fact]
    public async Task DescribeJobQueues_FirstCallTimesOut_RetriesAndSucceeds()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok(EmptyQueues) with { Delay = TimeSpan.FromSeconds(30) }, ScriptedResponse.Ok(EmptyQueues));
        var client = TestClients.Batch(server.Endpoint, TestClients.FastPolicy with { CallTimeout = TimeSpan.FromSeconds(2) });

        await client.DescribeJobQueuesAsync(CancellationToken.None);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, client.Stats.Retries);
    }

    [Fact]
    public async Task DescribeJobQueues_CancelledWhileServerHangs_ThrowsOperationCanceled()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Ok(EmptyQueues) with { Delay = TimeSpan.FromMinutes(5) });
        var client = TestClients.Batch(server.Endpoint, TestClients.FastPolicy with { CallTimeout = TimeSpan.FromMinutes(5) });
        using var cancellation = new CancellationTokenSource();

        var call = client.DescribeJobQueuesAsync(cancellation.Token);
        await WaitUntilAsync(() => server.Requests.Count == 1);
        cancellation.Cancel();

        // Would take 5 minutes if the token were ignored; the guard only turns a hang into a failure.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, client.Stats.Retries);
    }

    [Fact]
    public async Task DescribeJobQueues_CancelledDuringBackoff_ThrowsOperationCanceled()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Error(429, "TooManyRequestsException", "slow down"));
        var slowBackoff = TestClients.FastPolicy with { BackoffBase = TimeSpan.FromMinutes(5), BackoffCap = TimeSpan.FromMinutes(5) };
        var client = new BatchApiClient(
            new HttpClient(), TestClients.Target, server.Endpoint, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"),
            slowBackoff, new TokenBucket(1000, 1000, TimeProvider.System), TimeProvider.System, random: () => 1.0);
        using var cancellation = new CancellationTokenSource();

        var call = client.DescribeJobQueuesAsync(cancellation.Token);
        await WaitUntilAsync(() => client.Stats.Retries == 1);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Single(server.Requests);
    }

    [Fact]
    public void BackoffDelay_FullJitter_StaysUnderDoublingCeilingAndCap()
    {
        var policy = new AwsCallPolicy();

        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.BackoffDelay(0, 1.0));
        Assert.Equal(TimeSpan.FromMilliseconds(800), policy.BackoffDelay(2, 1.0));
        Assert.Equal(TimeSpan.FromMilliseconds(400), policy.BackoffDelay(3, 0.25));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.BackoffDelay(12, 1.0));
        Assert.Equal(TimeSpan.Zero, policy.BackoffDelay(5, 0.0));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "the condition never became true");
    }
}
