using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Targets;

/// <summary>Accounts with a RoleArn sign with keys from the sandbox's STS AssumeRole; a refused role fails only its own targets.</summary>
public sealed class AssumeRoleSandboxTests
{
    private const string DeniedRole = "arn:aws:iam::999999999999:role/BatchInsightsReader";

    private static ServiceProvider Services(Uri sandbox, string accountId, TimeProvider? time = null)
    {
        var services = TargetOptionsTests.Build(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Sandbox",
            ["Aws:EndpointOverride"] = sandbox.ToString(),
            ["Aws:MaxCallsPerSecond"] = "1000",
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Regions:0"] = "us-east-1",
            ["Aws:Targets:0:RoleArn"] = $"arn:aws:iam::{accountId}:role/BatchInsightsReader",
            ["Aws:Targets:0:ExternalId"] = "bi-4711",
            ["Aws:Targets:1:Account"] = "partner",
            ["Aws:Targets:1:Region"] = "us-east-1",
            ["Aws:Targets:1:RoleArn"] = DeniedRole,
            ["Aws:Targets:2:Account"] = "plain",
            ["Aws:Targets:2:Region"] = "us-east-1",
        });
        return services;
    }

    [Fact]
    public async Task CreateBatchAndEc2_AccountWithRole_SignWithTheAssumedKeys()
    {
        await using var harness = await SandboxHarness.StartAsync();
        await using var services = Services(harness.Sandbox.BaseAddress, harness.Sandbox.AccountId);
        var factory = services.GetRequiredService<IAwsClientFactory>();
        var prod = new AwsTarget("prod", "us-east-1");

        var queues = await factory.CreateBatch(prod).DescribeJobQueuesAsync(CancellationToken.None);
        using var ec2 = (Ec2Api)factory.CreateEc2(prod);
        var types = await ec2.DescribeInstanceTypesAsync(CancellationToken.None);
        await factory.CreateBatch(new AwsTarget("plain", "us-east-1")).DescribeJobQueuesAsync(CancellationToken.None);

        var calls = harness.Sandbox.CallsByAccessKeyId;
        var assumed = Assert.Single(calls.Keys, k => k.StartsWith("ASIA", StringComparison.Ordinal));
        Assert.NotEmpty(queues);
        Assert.NotEmpty(types);
        // One DescribeJobQueues page plus every DescribeInstanceTypes page, all with the role's key; the plain account's
        // call and the one AssumeRole call with the sandbox's base key.
        Assert.True(calls[assumed] >= 2, $"{calls[assumed]} calls with the assumed key");
        Assert.Equal(2, calls[AwsOptions.SandboxAccessKeyId]);
    }

    [Fact]
    public async Task HarvestAll_OneAccountsRoleRefused_OtherAccountsHarvestAndTheFailureNamesTheRole()
    {
        await using var harness = await SandboxHarness.StartAsync();
        await using var database = await HarvestDatabase.CreateAsync();
        await using var services = Services(harness.Sandbox.BaseAddress, harness.Sandbox.AccountId);
        var factory = services.GetRequiredService<IAwsClientFactory>();
        var harvester = new BatchHarvester(
            database.Factory, factory.CreateBatch, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), harness.Clock, NullLogger<BatchHarvester>.Instance);

        var error = await Assert.ThrowsAsync<AggregateException>(() => harvester.HarvestAllAsync(factory.Targets, CancellationToken.None));

        var runs = (await database.RunsAsync()).ToDictionary(r => r.Account);
        Assert.StartsWith("Batch harvest failed for 1 of 3 targets.", error.Message, StringComparison.Ordinal);
        Assert.Equal(HarvestOutcome.Succeeded, runs["prod"].Outcome);
        Assert.Equal(HarvestOutcome.Succeeded, runs["plain"].Outcome);
        Assert.Equal(HarvestOutcome.Failed, runs["partner"].Outcome);
        Assert.Contains("sts:AssumeRole", runs["partner"].Error);
        Assert.Contains(DeniedRole, runs["partner"].Error);
        Assert.Contains("AccessDenied", runs["partner"].Error);
        Assert.Equal(0, runs["partner"].JobsWritten);
        Assert.True(runs["prod"].JobsWritten > 0);
        var jobsByAccount = (await database.JobsAsync()).GroupBy(j => j.Account).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["plain", "prod"], jobsByAccount.Keys.Order());

        // The Harvest status page lists the target that never succeeded, with the permission it lacks.
        var status = (await new HarvestStatusQueries(database.Factory, harness.Clock).ListAsync()).ToDictionary(s => s.Account);
        Assert.Equal(["partner", "plain", "prod"], status.Keys.Order());
        Assert.Equal(HarvestHealth.Failing, status["partner"].Health);
        Assert.Null(status["partner"].LastSuccessAt);
        Assert.Equal("sts:AssumeRole", status["partner"].MissingPermission);
        Assert.Contains(DeniedRole, status["partner"].LastError);
    }

    [Fact]
    public async Task CreateEc2_RoleRefused_ErrorNamesRoleAndStsAssumeRole()
    {
        await using var harness = await SandboxHarness.StartAsync();
        await using var services = Services(harness.Sandbox.BaseAddress, harness.Sandbox.AccountId);
        using var ec2 = (Ec2Api)services.GetRequiredService<IAwsClientFactory>().CreateEc2(new AwsTarget("partner", "us-east-1"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ec2.DescribeInstanceTypesAsync(CancellationToken.None));

        Assert.Contains("sts:AssumeRole on " + DeniedRole, error.Message);
        Assert.Contains("AccessDenied", error.Message);
    }

    [Fact]
    public async Task AssumeRole_KeysCachedUntilShortlyBeforeExpiry_ThenAssumedAgain()
    {
        await using var harness = await SandboxHarness.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var assumed = AwsCredentialSource.AssumeRole(
            AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey),
            new AwsRoleSettings($"arn:aws:iam::{harness.Sandbox.AccountId}:role/BatchInsightsReader", "bi-4711", "cache-test"),
            "us-east-1",
            harness.Sandbox.BaseAddress,
            TestClients.FastPolicy,
            clock);

        var first = await assumed.Source.GetAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(54));
        var cached = await assumed.Source.GetAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(2)); // 56 min: inside the 5-minute refresh margin of a 60-minute session
        var refreshed = await assumed.Source.GetAsync(CancellationToken.None);

        Assert.Equal(first, cached);
        Assert.NotEqual(first.AccessKeyId, refreshed.AccessKeyId);
        Assert.StartsWith("ASIA", refreshed.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(2, assumed.AssumeCalls);
    }
}
