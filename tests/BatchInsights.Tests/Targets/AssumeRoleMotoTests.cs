using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Tests.Aws;

namespace BatchInsights.Tests.Targets;

/// <summary>Our STS path (AWSSDK.SecurityToken through <see cref="AwsCredentialSource"/>) against moto's STS.</summary>
public sealed class AssumeRoleMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    [PythonFact("moto", "boto3")]
    public async Task AssumeRole_AgainstMoto_KeysMotoKnowsAsTheAssumedRole()
    {
        var role = $"arn:aws:iam::{MotoServerFixture.AccountId}:role/BatchInsightsReader";
        using var assumed = AwsCredentialSource.AssumeRole(
            AwsCredentialSource.Fixed("testing", "testing"),
            new AwsRoleSettings(role, "bi-4711", "moto-test"),
            MotoServerFixture.Region,
            moto.Endpoint,
            TestClients.FastPolicy,
            TimeProvider.System);

        var keys = await assumed.Source.GetAsync(CancellationToken.None);
        using var ec2 = new Ec2Api(
            new AwsTarget("prod", MotoServerFixture.Region), moto.Endpoint, assumed.Source, TestClients.FastPolicy,
            new TokenBucket(1_000, 1_000, TimeProvider.System));
        var types = await ec2.DescribeInstanceTypesAsync(CancellationToken.None);
        // moto remembers the keys it issued: asked with them, it answers as the assumed role.
        var identity = JsonDocument.Parse(await moto.RunBoto3Async($$"""
            sts = boto3.client("sts", endpoint_url="{{moto.Endpoint}}", region_name="us-east-1",
                aws_access_key_id="{{keys.AccessKeyId}}", aws_secret_access_key="{{keys.SecretAccessKey}}", aws_session_token="{{keys.SessionToken}}")
            emit(sts.get_caller_identity())
            """)).RootElement;

        Assert.StartsWith("ASIA", keys.AccessKeyId, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(keys.SessionToken));
        Assert.NotEmpty(types);
        Assert.Equal($"arn:aws:sts::{MotoServerFixture.AccountId}:assumed-role/BatchInsightsReader/moto-test", identity.GetProperty("Arn").GetString());
        Assert.Equal(1, assumed.AssumeCalls);
    }
}
