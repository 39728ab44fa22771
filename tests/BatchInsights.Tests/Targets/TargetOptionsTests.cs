using BatchInsights.Core.Aws;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Targets;

public sealed class TargetOptionsTests
{
    internal const string ReaderRole = "arn:aws:iam::123456789012:role/BatchInsightsReader";

    internal static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddAwsClients(configuration).BuildServiceProvider();
    }

    private static string ValidationError(Dictionary<string, string?> settings)
    {
        using var services = Build(settings);
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AwsOptions>>().Value).Message;
    }

    [Fact]
    public void Targets_RegionsAndRegion_OneTargetPerAccountAndRegion()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Regions:0"] = "us-east-1",
            ["Aws:Targets:0:Regions:1"] = "eu-west-1",
            ["Aws:Targets:0:RoleArn"] = ReaderRole,
            ["Aws:Targets:1:Account"] = "dev",
            ["Aws:Targets:1:Region"] = "us-west-2",
        });

        var targets = services.GetRequiredService<IAwsClientFactory>().Targets;

        Assert.Equal([new AwsTarget("prod", "us-east-1"), new AwsTarget("prod", "eu-west-1"), new AwsTarget("dev", "us-west-2")], targets);
    }

    [Fact]
    public void RoleFor_AccountWithRole_GivesRoleExternalIdAndDefaultSessionName()
    {
        var options = new AwsOptions
        {
            Targets =
            [
                new AwsTargetOptions { Account = "prod", Regions = ["us-east-1"], RoleArn = ReaderRole, ExternalId = "bi-4711" },
                new AwsTargetOptions { Account = "dev", Region = "us-east-1" },
            ],
        };

        Assert.Equal(new AwsRoleSettings(ReaderRole, "bi-4711", "BatchInsights"), options.RoleFor("prod"));
        Assert.Null(options.RoleFor("dev"));
    }

    [Theory]
    [InlineData("RoleArn", "arn:aws:iam::123456789012:user/alice", "Aws:Targets:1:RoleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (was 'arn:aws:iam::123456789012:user/alice')")]
    [InlineData("RoleArn", "BatchInsightsReader", "Aws:Targets:1:RoleArn must be an IAM role ARN")]
    [InlineData("RoleSessionName", "has spaces", "Aws:Targets:1:RoleSessionName must be 2 to 64 characters")]
    [InlineData("ExternalId", "x", "Aws:Targets:1:ExternalId must be 2 to 1224 characters")]
    [InlineData("Regions:1", "Ireland", "Aws:Targets:1:Regions:1 must be an AWS region code such as us-east-1 (was 'Ireland')")]
    public void Validate_BadRoleOrRegion_NamesTheExactKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:Targets:0:Account"] = "dev",
            ["Aws:Targets:0:Region"] = "us-east-1",
            ["Aws:Targets:1:Account"] = "prod",
            ["Aws:Targets:1:Regions:0"] = "us-east-1",
            ["Aws:Targets:1:RoleArn"] = ReaderRole,
        };
        settings["Aws:Targets:1:" + key] = value;

        Assert.Contains(expected, ValidationError(settings));
    }

    [Fact]
    public void Validate_NeitherRegionNorRegions_SaysToGiveOne()
    {
        var error = ValidationError(new Dictionary<string, string?> { ["Aws:Mode"] = "Aws", ["Aws:Targets:0:Account"] = "prod" });

        Assert.Contains("Aws:Targets:0 must give Region (\"us-east-1\") or Regions", error);
    }

    [Fact]
    public void Validate_ExternalIdWithoutRole_NamesBothKeys()
    {
        var error = ValidationError(new Dictionary<string, string?>
        {
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Region"] = "us-east-1",
            ["Aws:Targets:0:ExternalId"] = "bi-4711",
        });

        Assert.Contains("Aws:Targets:0:ExternalId is only used with Aws:Targets:0:RoleArn", error);
    }

    [Fact]
    public void Validate_SameAccountTwoRoles_Refused()
    {
        var error = ValidationError(new Dictionary<string, string?>
        {
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Region"] = "us-east-1",
            ["Aws:Targets:0:RoleArn"] = ReaderRole,
            ["Aws:Targets:1:Account"] = "prod",
            ["Aws:Targets:1:Region"] = "eu-west-1",
            ["Aws:Targets:1:RoleArn"] = "arn:aws:iam::123456789012:role/Other",
        });

        Assert.Contains("Aws:Targets:1:RoleArn and ExternalId must match Aws:Targets:0 for account 'prod'", error);
    }

    [Fact]
    public void Validate_RegionRepeatedAcrossEntries_NamesThePair()
    {
        var error = ValidationError(new Dictionary<string, string?>
        {
            ["Aws:Targets:0:Account"] = "prod",
            ["Aws:Targets:0:Regions:0"] = "us-east-1",
            ["Aws:Targets:1:Account"] = "prod",
            ["Aws:Targets:1:Region"] = "us-east-1",
        });

        Assert.Contains("Aws:Targets:1 repeats prod/us-east-1", error);
    }
}
