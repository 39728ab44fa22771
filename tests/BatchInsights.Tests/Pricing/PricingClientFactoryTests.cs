using BatchInsights.Core.Aws;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Pricing;

public sealed class PricingClientFactoryTests
{
    [Fact]
    public void CreatePricing_AwsModeTargetInEuWest1_CallsThePricingEndpointInUsEast1()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Region"] = "eu-west-1",
        });

        var client = services.GetRequiredService<IAwsClientFactory>().CreatePricing();

        Assert.Equal(new Uri("https://api.pricing.us-east-1.amazonaws.com"), client.Endpoint);
    }

    [Fact]
    public void CreatePricing_SandboxModeWithOverride_CallsTheSandbox()
    {
        using var services = Build(new Dictionary<string, string?> { ["Aws:EndpointOverride"] = "http://127.0.0.1:4599" });

        var client = services.GetRequiredService<IAwsClientFactory>().CreatePricing();

        Assert.Equal(new Uri("http://127.0.0.1:4599"), client.Endpoint);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddAwsClients(configuration).BuildServiceProvider();
    }
}
