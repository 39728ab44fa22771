using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.SpotPrices;

public sealed class SpotPriceRegistrationTests
{
    [Fact]
    public void AddSpotPriceHarvesting_WithTheAppsRegistrations_ResolvesTheJobsAndOneSharedCatalog()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Sandbox",
            ["Aws:EndpointOverride"] = "http://127.0.0.1:1",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddBatchInsightsData(new DatabaseOptions { ConnectionString = "Data Source=unused.db" });
        services.AddAwsClients(configuration);
        services.AddBatchHarvesting();
        services.AddInstanceCatalog();
        services.AddSpotPriceHarvesting();
        services.AddSingleton<BatchApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateBatch);
        services.AddSingleton<IEnumerable<AwsTarget>>(sp => sp.GetRequiredService<IAwsClientFactory>().Targets);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.NotNull(provider.GetRequiredService<SpotPriceHarvestJob>());
        Assert.NotNull(provider.GetRequiredService<InstanceCatalogRefreshJob>());
        Assert.Same(provider.GetRequiredService<InstanceCatalog>(), provider.GetRequiredService<IInstanceCatalog>());
        using var ec2 = Assert.IsType<Ec2Api>(provider.GetRequiredService<Ec2ApiFactory>()(AwsOptions.DefaultSandboxTarget));
        Assert.Equal(AwsOptions.DefaultSandboxTarget, ec2.Target);
    }
}
