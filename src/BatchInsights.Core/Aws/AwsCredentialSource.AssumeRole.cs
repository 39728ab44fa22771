using Amazon;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.Runtime;

namespace BatchInsights.Core.Aws;

public sealed partial class AwsCredentialSource
{
    /// <summary>Keys from any resolver (assumed roles; tests), described for error messages.</summary>
    internal static AwsCredentialSource FromResolver(string description, Func<CancellationToken, Task<AwsCredentialsSnapshot>> resolve) =>
        new(description, resolve);

    /// <summary>
    /// Short-lived keys of <paramref name="role"/>, from STS AssumeRole called with <paramref name="baseCredentials"/>
    /// (AWSSDK.SecurityToken). The keys are cached and assumed again <see cref="AssumedRoleCredentials.RefreshBefore"/>
    /// before they expire. Dispose the returned owner with the app (it holds the STS client).
    /// </summary>
    /// <param name="stsRegion">The regional STS endpoint to call (and the signing region).</param>
    /// <param name="endpoint">Null for https://sts.{region}.amazonaws.com; the sandbox or moto URL otherwise.</param>
    internal static AssumedRoleCredentials AssumeRole(
        AwsCredentialSource baseCredentials,
        AwsRoleSettings role,
        string stsRegion,
        Uri? endpoint,
        AwsCallPolicy policy,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(baseCredentials);
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(policy);
        var config = new AmazonSecurityTokenServiceConfig
        {
            MaxErrorRetry = policy.MaxRetries,
            Timeout = policy.CallTimeout,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = stsRegion;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(stsRegion);
        }

        var client = new AmazonSecurityTokenServiceClient(new CredentialSourceAdapter(baseCredentials), config);
        return new AssumedRoleCredentials(client, baseCredentials, role, time);
    }
}

/// <summary>One account's assumed-role keys: the STS client, the cached keys and their refresh.</summary>
internal sealed class AssumedRoleCredentials : IDisposable
{
    /// <summary>Assume again this long before the keys expire, so no call is signed with keys about to lapse.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    /// <summary>STS's default and the longest a role allows unless its MaxSessionDuration was raised.</summary>
    public const int DurationSeconds = 3600;

    private readonly IAmazonSecurityTokenService _sts;
    private readonly AwsCredentialSource _baseCredentials;
    private readonly AwsRoleSettings _role;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CachedKeys? _cached;

    public AssumedRoleCredentials(IAmazonSecurityTokenService sts, AwsCredentialSource baseCredentials, AwsRoleSettings role, TimeProvider time)
    {
        _sts = sts;
        _baseCredentials = baseCredentials;
        _role = role;
        _time = time;
        Source = AwsCredentialSource.FromResolver($"role {role.RoleArn} (sts:AssumeRole)", GetAsync);
    }

    /// <summary>What the account's clients sign with.</summary>
    public AwsCredentialSource Source { get; }

    /// <summary>How many times STS was asked (tests check the cache with it).</summary>
    public int AssumeCalls { get; private set; }

    public void Dispose()
    {
        _sts.Dispose();
        _gate.Dispose();
    }

    private async Task<AwsCredentialsSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } keys)
        {
            return keys;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } again)
            {
                return again;
            }

            _cached = await AssumeAsync(cancellationToken);
            return _cached.Keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    private AwsCredentialsSnapshot? Fresh() =>
        _cached is { } c && _time.GetUtcNow() < c.Expires - RefreshBefore ? c.Keys : null;

    private sealed record CachedKeys(AwsCredentialsSnapshot Keys, DateTimeOffset Expires);

    private async Task<CachedKeys> AssumeAsync(CancellationToken cancellationToken)
    {
        var request = new AssumeRoleRequest
        {
            RoleArn = _role.RoleArn,
            RoleSessionName = _role.RoleSessionName,
            ExternalId = _role.ExternalId,
            DurationSeconds = DurationSeconds,
        };
        AssumeRoleResponse response;
        try
        {
            AssumeCalls++;
            response = await _sts.AssumeRoleAsync(request, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (AmazonServiceException ex)
        {
            // AccessDenied: the base identity lacks sts:AssumeRole, or the role's trust policy (or its sts:ExternalId
            // condition) does not name it. ExpiredToken / InvalidClientTokenId: the base credentials themselves.
            var status = ex.StatusCode == 0 ? (int?)null : (int)ex.StatusCode;
            throw new AwsApiException(
                "STS", "AssumeRole", $"{Subject()}: {ex.ErrorCode}: {ex.Message}{Hint(ex.ErrorCode)}", status, ex.ErrorCode, ex.RequestId, ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or AwsApiException or HttpRequestException or OperationCanceledException)
        {
            // No base credentials (empty default chain), an unreachable endpoint, or a timeout.
            throw new AwsApiException(
                "STS", "AssumeRole", $"{Subject()} with the base credentials ({_baseCredentials.Description}): {ex.Message}", inner: ex);
        }

        var credentials = response.Credentials
            ?? throw new AwsApiException("STS", "AssumeRole", $"{Subject()}: unexpected response without Credentials");
        if (string.IsNullOrEmpty(credentials.AccessKeyId) || string.IsNullOrEmpty(credentials.SecretAccessKey))
        {
            throw new AwsApiException("STS", "AssumeRole", $"{Subject()}: unexpected response without an access key");
        }

        // Without an expiration (never from real STS) keep the keys for the requested duration.
        var expires = credentials.Expiration is { } e
            ? new DateTimeOffset(e.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : e.ToUniversalTime())
            : _time.GetUtcNow().AddSeconds(DurationSeconds);
        return new CachedKeys(new AwsCredentialsSnapshot(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), expires);
    }

    private string Subject() =>
        $"sts:AssumeRole on {_role.RoleArn}{(_role.ExternalId is null ? "" : " (with ExternalId)")} failed";

    private static string Hint(string? code) => code switch
    {
        "AccessDenied" => " (the base identity needs sts:AssumeRole on the role, and the role's trust policy must allow it, with the same sts:ExternalId)",
        "ExpiredToken" or "ExpiredTokenException" => " (the base credentials have expired; renew them)",
        "InvalidClientTokenId" or "SignatureDoesNotMatch" => " (the base credentials are not valid)",
        _ => "",
    };
}
