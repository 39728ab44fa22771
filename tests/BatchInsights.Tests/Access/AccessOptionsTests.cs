using BatchInsights.Core.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Access;

public sealed class AccessOptionsTests
{
    private static AccessOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddAccess();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AccessOptions>>().Value;
    }

    [Fact]
    public void RoleFor_ProviderGroups_HighestMappedRoleElseTheDefault()
    {
        var oidc = new OidcOptions
        {
            RoleMap = new Dictionary<string, string> { ["batch-ops"] = "operator", ["platform-admins"] = "Admin", ["readers"] = "Viewer" },
            DefaultRole = Roles.Viewer,
        };

        Assert.Equal(Roles.Admin, oidc.RoleFor(["readers", "platform-admins", "batch-ops"]));
        Assert.Equal(Roles.Operator, oidc.RoleFor(["batch-ops", "unrelated"]));
        Assert.Equal(Roles.Viewer, oidc.RoleFor(["unrelated"]));
        oidc.DefaultRole = "";
        Assert.Null(oidc.RoleFor(["unrelated"]));
    }

    [Theory]
    [InlineData("Auth:InitialAdminPassword", "short", "at least 12 characters")]
    [InlineData("Auth:Oidc:Authority", "not a url", "absolute http(s) URL")]
    [InlineData("Auth:Oidc:RoleMap:admins", "Root", "must be Viewer, Operator or Admin")]
    [InlineData("Auth:DefaultTokenDays", "-5", "between 0")]
    public void Validate_WrongValue_FailsNamingTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Auth:Oidc:", StringComparison.Ordinal))
        {
            settings.TryAdd("Auth:Oidc:Authority", "https://login.example.com");
            settings["Auth:Oidc:ClientId"] = "batchinsights";
        }

        var error = Assert.Throws<OptionsValidationException>(() => Bind(settings));

        Assert.Contains(key.Split(':')[^1] == "admins" ? "Auth:Oidc:RoleMap:admins" : key, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
