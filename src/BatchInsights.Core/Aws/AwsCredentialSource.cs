using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace BatchInsights.Core.Aws;

/// <summary>Keys for one signature; short-lived when they come from a role.</summary>
internal sealed record AwsCredentialsSnapshot(string AccessKeyId, string SecretAccessKey, string? SessionToken);

/// <summary>
/// Where a client gets its keys: fixed keys (sandbox, moto, tests) or AWSSDK.Core's default chain
/// (environment, profiles, SSO, container and instance roles). Keeps Amazon types inside Core/Aws.
/// </summary>
public sealed partial class AwsCredentialSource
{
    private readonly Func<CancellationToken, Task<AwsCredentialsSnapshot>> _resolve;

    private AwsCredentialSource(string description, Func<CancellationToken, Task<AwsCredentialsSnapshot>> resolve)
    {
        Description = description;
        _resolve = resolve;
    }

    public string Description { get; }

    public static AwsCredentialSource Fixed(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKeyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(secretAccessKey);
        var snapshot = new AwsCredentialsSnapshot(accessKeyId, secretAccessKey, sessionToken);
        return new AwsCredentialSource("fixed keys", _ => Task.FromResult(snapshot));
    }

    /// <summary>The SDK's default chain, resolved once on first use; refreshing credentials refresh themselves.</summary>
    public static AwsCredentialSource DefaultChain()
    {
        var gate = new SemaphoreSlim(1, 1);
        AWSCredentials? resolved = null;
        return new AwsCredentialSource("default credential chain", async cancellationToken =>
        {
            if (resolved is null)
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    resolved ??= await new DefaultAWSCredentialsIdentityResolver()
                        .ResolveIdentityAsync(SigV4Signer.ClientConfig, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }

            var credentials = await resolved.GetCredentialsAsync();
            return new AwsCredentialsSnapshot(credentials.AccessKey, credentials.SecretKey, credentials.UseToken ? credentials.Token : null);
        });
    }

    internal Task<AwsCredentialsSnapshot> GetAsync(CancellationToken cancellationToken) => _resolve(cancellationToken);

    public override string ToString() => Description;
}
