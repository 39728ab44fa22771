using BatchInsights.Core.Aws;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Aws;

public sealed class RateBudgetTests
{
    [Fact]
    public async Task AcquireAsync_BurstUsedUp_NextCallWaitsForOneTokenOfTime()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(10, 10, time);

        for (var i = 0; i < 10; i++)
        {
            Assert.True(bucket.AcquireAsync(CancellationToken.None).IsCompleted);
        }

        var eleventh = bucket.AcquireAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(eleventh.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await eleventh;
        Assert.Equal(0, bucket.Available, precision: 6);
    }

    [Fact]
    public void AcquireAsync_IdleForAMinute_RefillsOnlyUpToBurst()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(10, 10, time);
        for (var i = 0; i < 10; i++)
        {
            _ = bucket.AcquireAsync(CancellationToken.None);
        }

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(10, bucket.Available, precision: 6);
    }

    [Fact]
    public async Task AcquireAsync_CancelledWhileWaiting_GivesTheTokenBack()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1, 1, time);
        await bucket.AcquireAsync(CancellationToken.None);
        using var cancellation = new CancellationTokenSource();

        var waiting = bucket.AcquireAsync(cancellation.Token);
        Assert.Equal(-1, bucket.Available, precision: 6);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, bucket.Available, precision: 6);
    }

    [Fact]
    public void For_SameTarget_SharesOneBucketAndOtherRegionsGetTheirOwn()
    {
        var registry = new RateBudgetRegistry(new FakeTimeProvider());

        var first = registry.For(new AwsTarget("prod", "us-east-1"), 10);
        var again = registry.For(new AwsTarget("prod", "us-east-1"), 10);
        var otherRegion = registry.For(new AwsTarget("prod", "eu-west-1"), 10);

        Assert.Same(first, again);
        Assert.NotSame(first, otherRegion);
    }

    [Fact]
    public async Task TwoClientsOfOneTarget_ShareTheBudget_ThirdCallWaitsForTime()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Ok("""{"jobQueues":[]}"""));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var registry = new RateBudgetRegistry(time);
        var policy = TestClients.FastPolicy;
        var bucket = registry.For(TestClients.Target, 2);
        var a = TestClients.Batch(server.Endpoint, policy, bucket, time);
        var b = TestClients.Batch(server.Endpoint, policy, registry.For(TestClients.Target, 2), time);

        await a.DescribeJobQueuesAsync(CancellationToken.None);
        await b.DescribeJobQueuesAsync(CancellationToken.None);
        var third = a.DescribeJobQueuesAsync(CancellationToken.None);

        // Both clients drew from the same 2-token burst, so the third call is waiting on credit.
        Assert.Equal(-1, bucket.Available, precision: 6);
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await third;
        Assert.Equal(3, server.Requests.Count);
    }
}
