namespace BatchInsights.Core.Aws;

/// <summary>
/// One call our own clients on <see cref="AwsJsonTransport"/> (Batch, ECS, Pricing, CloudWatch) can send, named as IAM
/// names its action. The transport only sends these, and only this class can make them, so the fields below are the
/// complete list of those calls. The IAM policies in infra/iam are tested against this list plus the AWSSDK calls
/// (EC2, STS) found in our code; adding a call here without the policy fails that test.
/// </summary>
internal sealed class AwsOperation
{
    private AwsOperation(string iamPrefix, string name)
    {
        IamPrefix = iamPrefix;
        Name = name;
    }

    /// <summary>The IAM service prefix, e.g. "batch".</summary>
    public string IamPrefix { get; }

    /// <summary>The API operation, e.g. "DescribeJobs" (also its IAM action name).</summary>
    public string Name { get; }

    /// <summary>What a policy must allow, e.g. "batch:DescribeJobs".</summary>
    public string IamAction => $"{IamPrefix}:{Name}";

    public override string ToString() => Name;

    public static class Batch
    {
        public static readonly AwsOperation DescribeComputeEnvironments = new("batch", nameof(DescribeComputeEnvironments));
        public static readonly AwsOperation DescribeJobQueues = new("batch", nameof(DescribeJobQueues));
        public static readonly AwsOperation DescribeJobDefinitions = new("batch", nameof(DescribeJobDefinitions));
        public static readonly AwsOperation ListJobs = new("batch", nameof(ListJobs));
        public static readonly AwsOperation DescribeJobs = new("batch", nameof(DescribeJobs));

        /// <summary>The one write: only the apply feature sends it (infra/iam/apply-policy.json).</summary>
        public static readonly AwsOperation UpdateComputeEnvironment = new("batch", nameof(UpdateComputeEnvironment));
    }

    public static class Ecs
    {
        public static readonly AwsOperation DescribeContainerInstances = new("ecs", nameof(DescribeContainerInstances));
    }

    public static class Pricing
    {
        public static readonly AwsOperation GetProducts = new("pricing", nameof(GetProducts));
    }

    public static class CloudWatch
    {
        public static readonly AwsOperation GetMetricData = new("cloudwatch", nameof(GetMetricData));
    }
}
