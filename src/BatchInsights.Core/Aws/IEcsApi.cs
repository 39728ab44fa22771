namespace BatchInsights.Core.Aws;

/// <summary>
/// The Amazon ECS calls BatchInsights makes (JSON 1.1, our own client: AWSSDK.ECS is not on the package source).
/// One instance talks to one account + region with its own ECS rate budget; failures are <see cref="AwsApiException"/>.
/// </summary>
public interface IEcsApi
{
    AwsTarget Target { get; }

    AwsCallStats Stats { get; }

    /// <summary>
    /// DescribeContainerInstances on one cluster (short name or ARN). Any number of ARNs: the client asks in batches of
    /// 100 (the API's limit). Unknown or long-deregistered container instances come back in <see cref="ContainerInstancesResult.Failures"/>
    /// (reason "MISSING"), not as an error.
    /// </summary>
    Task<ContainerInstancesResult> DescribeContainerInstancesAsync(string cluster, IReadOnlyList<string> containerInstanceArns, CancellationToken cancellationToken);
}

/// <summary>A container instance as ECS describes it: the EC2 instance behind it and where it runs.</summary>
public sealed record ContainerInstanceSnapshot(
    string Arn,
    string? Ec2InstanceId,
    string? InstanceType,
    string? AvailabilityZone,
    string? Status,
    long? RegisteredAtMs);

/// <summary>One entry of failures[]: usually reason "MISSING".</summary>
public sealed record ContainerInstanceFailure(string? Arn, string? Reason, string? Detail);

public sealed record ContainerInstancesResult(IReadOnlyList<ContainerInstanceSnapshot> Found, IReadOnlyList<ContainerInstanceFailure> Failures);
