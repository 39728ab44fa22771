using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Apply;

public sealed class ApplyOptionsTests
{
    private static ApplyOptions Bind(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddApply();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ApplyOptions>>().Value;
    }

    [Fact]
    public void Bind_ShippedAppsettings_OnByDefaultWithTheDefaultTerraformTags()
    {
        var shipped = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false).Build();

        var options = Bind(shipped);

        Assert.Null(options.Enabled);
        Assert.True(options.IsEnabled);
        // Bound once: the shipped list is not appended to a default.
        Assert.Equal(ApplyOptions.DefaultIacTags, options.EffectiveIacTags);
    }

    [Fact]
    public void Validate_ZeroFollowInterval_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Apply:FollowIntervalSeconds"] = "0" }).Build();

        var error = Assert.Throws<OptionsValidationException>(() => Bind(configuration));

        Assert.Contains("Apply:FollowIntervalSeconds", error.Message, StringComparison.Ordinal);
    }
}
