using BatchInsights.Core.Aws;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Aws;

public sealed class AwsClientFactoryTests
{
    [Fact]
    public void AddAwsClients_EmptySection_SandboxDefaultsAndDefaultTarget()
    {
        using var services = Build(new Dictionary<string, string?>());

        var options = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var factory = services.GetRequiredService<IAwsClientFactory>();

        Assert.Equal((AwsMode.Sandbox, 10.0, 8, 30), (options.Mode, options.MaxCallsPerSecond, options.MaxRetries, options.CallTimeoutSeconds));
        Assert.Equal([new AwsTarget("sandbox", "us-east-1")], factory.Targets);
    }

    [Theory]
    [InlineData("Mode", "Banana", "Aws:Mode must be Sandbox or Aws")]
    [InlineData("Mode", "1", "Aws:Mode must be Sandbox or Aws")]
    [InlineData("MaxCallsPerSecond", "0", "Aws:MaxCallsPerSecond")]
    [InlineData("MaxRetries", "-1", "Aws:MaxRetries")]
    [InlineData("CallTimeoutSeconds", "0", "Aws:CallTimeoutSeconds")]
    [InlineData("EndpointOverride", "localhost:4566", "Aws:EndpointOverride must be an absolute http(s) URL")]
    [InlineData("Targets:0:Region", "US East", "Aws:Targets:0:Region must be an AWS region code")]
    public void AddAwsClients_InvalidValue_FailsNamingTheKey(string key, string value, string expected)
    {
        using var services = Build(new Dictionary<string, string?> { ["Aws:" + key] = value, ["Aws:Targets:0:Account"] = "prod", ["Aws:Targets:0:Region"] = key.StartsWith("Targets") ? value : "us-east-1" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AwsOptions>>().Value);

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AddAwsClients_AwsModeWithoutTargets_FailsNamingTargets()
    {
        using var services = Build(new Dictionary<string, string?> { ["Aws:Mode"] = "aws" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AwsOptions>>().Value);

        Assert.Contains("Aws:Targets must list at least one", error.Message);
    }

    [Fact]
    public void CreateBatch_AwsModeWithoutOverride_UsesRegionalEndpoint()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Region"] = "eu-west-1",
        });
        var factory = services.GetRequiredService<IAwsClientFactory>();

        var client = (BatchApiClient)factory.CreateBatch(Assert.Single(factory.Targets));

        Assert.Equal(new AwsTarget("prod", "eu-west-1"), client.Target);
        Assert.Equal(new Uri("https://batch.eu-west-1.amazonaws.com"), client.Endpoint);
    }

    [Fact]
    public void CreateBatch_SandboxModeWithoutOverride_RefusesToGuessAnEndpoint()
    {
        using var services = Build(new Dictionary<string, string?>());
        var factory = services.GetRequiredService<IAwsClientFactory>();

        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateBatch(factory.Targets[0]));

        Assert.Contains("Aws:EndpointOverride", error.Message);
    }

    [Fact]
    public async Task CreateBatch_SandboxMode_SignsWithSandboxKeysAtTheOverride()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok("""{"jobQueues":[]}"""));
        using var services = Build(new Dictionary<string, string?> { ["Aws:EndpointOverride"] = server.Endpoint.ToString() });
        var factory = services.GetRequiredService<IAwsClientFactory>();

        await factory.CreateBatch(factory.Targets[0]).DescribeJobQueuesAsync(CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=SANDBOXACCESSKEY/", request.Headers["Authorization"]);
        Assert.Contains("/us-east-1/batch/aws4_request", request.Headers["Authorization"]);
    }

    [Fact]
    public void CreateBatch_TwoClientsOfOneTarget_ShareOneRateBudget()
    {
        using var services = Build(new Dictionary<string, string?> { ["Aws:EndpointOverride"] = "http://127.0.0.1:1", ["Aws:MaxCallsPerSecond"] = "3" });
        var registry = services.GetRequiredService<RateBudgetRegistry>();
        var factory = services.GetRequiredService<IAwsClientFactory>();

        factory.CreateBatch(factory.Targets[0]);
        factory.CreateBatch(factory.Targets[0]);

        Assert.Equal(3, registry.For(factory.Targets[0], callsPerSecond: 99).TokensPerSecond);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddAwsClients(configuration).BuildServiceProvider();
    }
}
