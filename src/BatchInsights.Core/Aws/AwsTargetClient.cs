namespace BatchInsights.Core.Aws;

/// <summary>
/// What our own per-target service clients (Batch, ECS, CloudWatch) share: the target they call for, their call
/// statistics, and one <see cref="AwsJsonTransport"/> signing for the target's region against the regional endpoint
/// (or the sandbox/moto URL given instead).
/// </summary>
public abstract class AwsTargetClient
{
    /// <param name="defaultHost">The endpoint host before the region, e.g. "ecs" for https://ecs.{region}.amazonaws.com.</param>
    private protected AwsTargetClient(
        HttpClient httpClient,
        AwsTarget target,
        string serviceName,
        string signingName,
        string defaultHost,
        Uri? endpoint,
        AwsCredentialSource credentials,
        AwsCallPolicy policy,
        TokenBucket budget,
        TimeProvider? time,
        Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
        Transport = new AwsJsonTransport(
            httpClient,
            serviceName,
            new SigV4Signer(signingName, target.Region),
            endpoint ?? new Uri($"https://{defaultHost}.{target.Region}.amazonaws.com"),
            credentials,
            policy,
            budget,
            Stats,
            time ?? TimeProvider.System,
            random);
    }

    public AwsTarget Target { get; }

    public AwsCallStats Stats { get; } = new();

    private protected AwsJsonTransport Transport { get; }
}
