using System.Text.Json.Nodes;

namespace BatchInsights.Tests.Infra;

/// <summary>
/// infra/iam/*.json against the AWS calls derived from the code (<see cref="AwsActionsInCode"/>): the read-only policy
/// grants exactly the reads, the apply policy adds exactly batch:UpdateComputeEnvironment, and nothing else is writable.
/// </summary>
public sealed class IamPolicyTests
{
    private const string ReadOnlyFile = "infra/iam/read-only-policy.json";
    private const string ApplyFile = "infra/iam/apply-policy.json";
    private const string ApplyAction = "batch:UpdateComputeEnvironment";

    [Fact]
    public void CodeDerivation_FindsTheSdkAndRegistryCalls_AndTheOnlyWriteIsUpdateComputeEnvironment()
    {
        var derived = AwsActionsInCode.All;

        // One from each derivation path: our JSON clients (registry), AWSSDK.EC2 and AWSSDK.SecurityToken (IL).
        Assert.Contains("batch:DescribeJobs", derived);
        Assert.Contains("ec2:DescribeSpotPriceHistory", derived);
        Assert.Contains("sts:AssumeRole", derived);
        Assert.Equal([ApplyAction], derived.Where(a => !AwsActionsInCode.IsReadOnly(a)));
        Assert.True(AwsActionsInCode.UnusedRegistryEntries.Count == 0,
            $"AwsOperation entries no code sends (remove them, or they would be granted for nothing): {string.Join(", ", AwsActionsInCode.UnusedRegistryEntries)}");
    }

    [Fact]
    public void ReadOnlyPolicy_GrantsExactlyTheReadCallsOfTheCode_AndNothingWritable()
    {
        var granted = AllowedActions(InfraFiles.Json(ReadOnlyFile), ReadOnlyFile);
        var reads = AwsActionsInCode.All.Where(AwsActionsInCode.IsReadOnly).ToHashSet(StringComparer.Ordinal);

        var missing = reads.Except(granted).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"{ReadOnlyFile} lacks actions the code calls (harvests would fail with AccessDenied): "
            + string.Join("; ", missing.Select(a => $"{a} ({AwsActionsInCode.Origins[a]})")));
        var writable = granted.Where(a => !AwsActionsInCode.IsReadOnly(a)).Order(StringComparer.Ordinal).ToList();
        Assert.True(writable.Count == 0, $"{ReadOnlyFile} grants actions that can change AWS resources: {string.Join(", ", writable)}");
        var extra = granted.Except(reads).Order(StringComparer.Ordinal).ToList();
        Assert.True(extra.Count == 0, $"{ReadOnlyFile} grants actions no code calls (least privilege: remove them): {string.Join(", ", extra)}");
    }

    [Fact]
    public void ApplyPolicy_IsTheReadOnlyPolicyPlusUpdateComputeEnvironment()
    {
        var readOnly = InfraFiles.Json(ReadOnlyFile);
        var apply = InfraFiles.Json(ApplyFile);
        var readOnlyStatements = Statements(readOnly);
        var applyStatements = Statements(apply);

        Assert.True(applyStatements.Count == readOnlyStatements.Count + 1, $"{ApplyFile} should be the {readOnlyStatements.Count} statements of {ReadOnlyFile} plus one.");
        for (var i = 0; i < readOnlyStatements.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(readOnlyStatements[i], applyStatements[i]),
                $"{ApplyFile} statement {i} differs from {ReadOnlyFile}: {applyStatements[i].ToJsonString()} vs {readOnlyStatements[i].ToJsonString()}");
        }

        Assert.Equal([ApplyAction], Actions(applyStatements[^1]));
        Assert.Equal(
            AllowedActions(readOnly, ReadOnlyFile).Append(ApplyAction).Order(StringComparer.Ordinal),
            AllowedActions(apply, ApplyFile).Order(StringComparer.Ordinal));
    }

    internal static IReadOnlyList<JsonObject> Statements(JsonObject policy)
    {
        Assert.Equal("2012-10-17", policy["Version"]?.GetValue<string>());
        return policy["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();
    }

    internal static IReadOnlyList<string> Actions(JsonObject statement) => statement["Action"] switch
    {
        JsonArray list => list.Select(a => a!.GetValue<string>()).ToList(),
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    /// <summary>The actions a policy allows; fails on constructs that would make the list misleading (Deny, NotAction, wildcards).</summary>
    internal static HashSet<string> AllowedActions(JsonObject policy, string name)
    {
        var actions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in Statements(policy))
        {
            Assert.True(statement["Effect"]?.GetValue<string>() == "Allow", $"{name}: only Allow statements are expected ({statement.ToJsonString()})");
            Assert.True(statement["NotAction"] is null && statement["NotResource"] is null, $"{name}: NotAction/NotResource grant more than they seem ({statement.ToJsonString()})");
            foreach (var action in Actions(statement))
            {
                Assert.True(!action.Contains('*', StringComparison.Ordinal) && !action.Contains('?', StringComparison.Ordinal),
                    $"{name}: '{action}' is a wildcard; list the exact actions the code calls.");
                actions.Add(action);
            }
        }

        return actions;
    }
}
