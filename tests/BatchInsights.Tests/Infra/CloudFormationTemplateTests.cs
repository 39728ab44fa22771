using System.Text.Json.Nodes;

namespace BatchInsights.Tests.Infra;

/// <summary>The policies embedded in the CloudFormation templates are the infra/iam files (no drift), and the stack has what Blazor Server and the app need.</summary>
public sealed class CloudFormationTemplateTests
{
    private const string AppTemplate = "infra/batchinsights.yaml";
    private const string CrossAccountTemplate = "infra/cross-account-role.yaml";

    [Fact]
    public void AppTemplate_ReadOnlyPolicy_IsTheReadOnlyPolicyFile()
    {
        var embedded = PolicyDocument(InfraFiles.Yaml(AppTemplate), "ReadOnlyPolicy");

        AssertSamePolicy(InfraFiles.Json("infra/iam/read-only-policy.json"), embedded, $"{AppTemplate} ReadOnlyPolicy");
    }

    [Fact]
    public void CrossAccountTemplate_ReadOnlyPolicy_IsTheFileWithoutAssumeRole()
    {
        // The harvested account's role is the one being assumed: it needs every read, but not sts:AssumeRole itself.
        var file = InfraFiles.Json("infra/iam/read-only-policy.json");
        var statements = file["Statement"]!.AsArray().Where(s => s!["Sid"]?.GetValue<string>() != "AssumeHarvestRoles").Select(s => s!.DeepClone()).ToArray();
        var expected = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = new JsonArray(statements) };

        AssertSamePolicy(expected, PolicyDocument(InfraFiles.Yaml(CrossAccountTemplate), "ReadOnlyPolicy"), $"{CrossAccountTemplate} ReadOnlyPolicy");
        Assert.Equal(file["Statement"]!.AsArray().Count - 1, statements.Length);
    }

    [Theory]
    [InlineData(AppTemplate, "TaskRole")]
    [InlineData(CrossAccountTemplate, "HarvestRole")]
    public void ApplyPolicy_IsTheApplyFilesExtraStatement_OptionallyScopedByTag(string template, string role)
    {
        var resources = InfraFiles.Yaml(template)["Resources"]!;
        var applyOnly = ApplyOnlyStatement();
        var choice = resources["ApplyPolicy"]!["Properties"]!["PolicyDocument"]!["Fn::If"]!.AsArray();
        Assert.Equal("HasApplyTag", choice[0]!.GetValue<string>());

        // Without a tag key: exactly the statement the apply file adds to the read-only one.
        var unscoped = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = new JsonArray(applyOnly.DeepClone()) };
        AssertSamePolicy(unscoped, choice[2]!.AsObject(), $"{template} ApplyPolicy (no tag)");

        // With a tag key: the same statement plus the aws:ResourceTag condition, after CloudFormation's Fn::Sub.
        var json = choice[1]!["Fn::Sub"]!.GetValue<string>().Replace("${ApplyTagKey}", "team", StringComparison.Ordinal).Replace("${ApplyTagValue}", "batch-admins", StringComparison.Ordinal);
        Assert.DoesNotContain("${", json, StringComparison.Ordinal);
        var scopedStatement = applyOnly.DeepClone().AsObject();
        scopedStatement["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["aws:ResourceTag/team"] = "batch-admins" } };
        AssertSamePolicy(new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = new JsonArray(scopedStatement) }, JsonNode.Parse(json)!.AsObject(), $"{template} ApplyPolicy (tag)");

        // The role carries read-only always and apply only when AllowApply is true.
        var attached = resources[role]!["Properties"]!["ManagedPolicyArns"]!.AsArray();
        Assert.Contains(attached, a => JsonNode.DeepEquals(a, new JsonObject { ["Ref"] = "ReadOnlyPolicy" }));
        Assert.Contains(attached, a => JsonNode.DeepEquals(a, JsonNode.Parse("""{"Fn::If": ["ApplyAllowed", {"Ref": "ApplyPolicy"}, {"Ref": "AWS::NoValue"}]}""")));
        Assert.Equal("ApplyAllowed", resources["ApplyPolicy"]!["Condition"]!.GetValue<string>());
    }

    [Fact]
    public void CrossAccountRole_TrustsOnlyThePrincipal_WithTheExternalId()
    {
        var trust = InfraFiles.Yaml(CrossAccountTemplate)["Resources"]!["HarvestRole"]!["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]!.AsArray();

        var statement = Assert.Single(trust)!;
        Assert.Equal("sts:AssumeRole", statement["Action"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["AWS"] = new JsonObject { ["Ref"] = "TrustedPrincipalArn" } }, statement["Principal"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["Ref"] = "ExternalId" }, statement["Condition"]!["StringEquals"]!["sts:ExternalId"]));
    }

    [Fact]
    public void AppTemplate_TargetGroup_IsStickyAndChecksHealthzOn8080()
    {
        // Blazor Server keeps each browser's circuit in one process; without lb_cookie stickiness a second task breaks the UI.
        var group = InfraFiles.Yaml(AppTemplate)["Resources"]!["TargetGroup"]!["Properties"]!;
        var attributes = group["TargetGroupAttributes"]!.AsArray().ToDictionary(a => a!["Key"]!.GetValue<string>(), a => a!["Value"]!.GetValue<string>());

        Assert.Equal("true", attributes["stickiness.enabled"]);
        Assert.Equal("lb_cookie", attributes["stickiness.type"]);
        Assert.Equal("/healthz", group["HealthCheckPath"]!.GetValue<string>());
        Assert.Equal(8080, group["Port"]!.GetValue<long>());
    }

    [Fact]
    public void AppTemplate_Container_UsesPostgresWithTheConnectionStringFromSecretsManager()
    {
        var resources = InfraFiles.Yaml(AppTemplate)["Resources"]!;
        var container = resources["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!;
        var environment = container["Environment"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"]);
        var secrets = container["Secrets"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["ValueFrom"]);

        Assert.Equal("Postgres", environment["Database__Provider"]!.GetValue<string>());
        Assert.Equal("Aws", environment["Aws__Mode"]!.GetValue<string>());
        Assert.False(environment.ContainsKey("Database__ConnectionString"), "the connection string holds the password: pass it as a secret, not as plain environment");
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["Ref"] = "ConnectionStringSecret" }, secrets["Database__ConnectionString"]));
        Assert.Equal(8080, container["PortMappings"]![0]!["ContainerPort"]!.GetValue<long>());
        var database = resources["Database"]!["Properties"]!;
        Assert.True(database["StorageEncrypted"]!.GetValue<bool>());
        Assert.False(database["PubliclyAccessible"]!.GetValue<bool>());
    }

    private static JsonObject ApplyOnlyStatement()
    {
        var apply = InfraFiles.Json("infra/iam/apply-policy.json")["Statement"]!.AsArray();
        var readOnly = InfraFiles.Json("infra/iam/read-only-policy.json")["Statement"]!.AsArray();
        var extra = apply.Where(s => !readOnly.Any(r => JsonNode.DeepEquals(r, s))).ToList();
        Assert.True(extra.Count == 1, $"infra/iam/apply-policy.json should be read-only-policy.json plus one statement; {extra.Count} statements differ.");
        return extra[0]!.AsObject();
    }

    private static JsonObject PolicyDocument(JsonObject template, string resource) =>
        template["Resources"]?[resource]?["Properties"]?["PolicyDocument"]?.AsObject()
            ?? throw new InvalidOperationException($"resource {resource} with a PolicyDocument is missing");

    private static void AssertSamePolicy(JsonObject expected, JsonObject actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what} drifted from the policy file.\nexpected: {expected.ToJsonString()}\nactual:   {actual.ToJsonString()}");
}
