using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Aws;

/// <summary>Clients with fast backoff and a generous budget, varied per test.</summary>
internal static class TestClients
{
    public static readonly AwsTarget Target = new("test", "us-east-1");

    public static readonly AwsCallPolicy FastPolicy = new()
    {
        MaxRetries = 8,
        CallTimeout = TimeSpan.FromSeconds(10),
        BackoffBase = TimeSpan.FromMilliseconds(1),
        BackoffCap = TimeSpan.FromMilliseconds(5),
    };

    public static BatchApiClient Batch(Uri endpoint, AwsCallPolicy? policy = null, TokenBucket? budget = null, TimeProvider? time = null) =>
        new(
            new HttpClient(),
            Target,
            endpoint,
            AwsCredentialSource.Fixed("AKIDTEST", "test-secret"),
            policy ?? FastPolicy,
            budget ?? new TokenBucket(10_000, 10_000, TimeProvider.System),
            time ?? TimeProvider.System);
}
