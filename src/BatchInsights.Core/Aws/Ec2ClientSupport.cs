using System.Net;
using Amazon.Runtime;

namespace BatchInsights.Core.Aws;

/// <summary>Hands our <see cref="AwsCredentialSource"/> (fixed keys or the default chain) to an AWSSDK client.</summary>
internal sealed class CredentialSourceAdapter(AwsCredentialSource source) : AWSCredentials
{
    // The SDK's async pipeline calls the async overload; the sync one exists for its sync paths only.
    public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        var snapshot = await source.GetAsync(CancellationToken.None);
        return new ImmutableCredentials(snapshot.AccessKeyId, snapshot.SecretAccessKey, snapshot.SessionToken);
    }
}

/// <summary>
/// Gives an AWSSDK client one HttpClient whose handler applies our rate budget to every attempt (the SDK's
/// retries included) and counts calls and throttled answers, so SDK clients share the budget and the
/// harvest-run figures with our own JSON clients.
/// </summary>
internal sealed class Ec2HttpClientFactory : HttpClientFactory, IDisposable
{
    private readonly HttpClient _http;

    public Ec2HttpClientFactory(TokenBucket budget, AwsCallStats stats, TimeSpan timeout)
    {
        _http = new HttpClient(new BudgetedHandler(budget, stats) { InnerHandler = new SocketsHttpHandler() })
        {
            Timeout = timeout,
        };
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _http;

    // One HttpClient for this client's lifetime, owned (and disposed) here, not by the SDK's cache.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) => "batchinsights-budgeted";

    public void Dispose() => _http.Dispose();

    private sealed class BudgetedHandler(TokenBucket budget, AwsCallStats stats) : DelegatingHandler
    {
        // EC2 answers 503 RequestLimitExceeded when throttling; other AWS services use these codes too.
        private static readonly string[] ThrottlingCodes =
        [
            "<Code>RequestLimitExceeded</Code>", "<Code>Throttling</Code>", "<Code>ThrottlingException</Code>",
            "<Code>EC2ThrottledException</Code>", "<Code>RequestThrottled</Code>",
        ];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await budget.AcquireAsync(cancellationToken);
            stats.CountCall();
            if (IsRetry(request))
            {
                stats.CountRetry();
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.BadRequest)
            {
                // Buffered, so the SDK can still read the error body after us.
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests || ThrottlingCodes.Any(c => body.Contains(c, StringComparison.Ordinal)))
                {
                    stats.CountThrottled();
                }
            }

            return response;
        }

        // The SDK numbers its attempts in "amz-sdk-request: attempt=2; max=4".
        private static bool IsRetry(HttpRequestMessage request) =>
            request.Headers.TryGetValues("amz-sdk-request", out var values)
            && values.Any(v => v.Contains("attempt=", StringComparison.Ordinal) && !v.Contains("attempt=1;", StringComparison.Ordinal));
    }
}
