using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace BatchInsights.Core.Aws;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with SigV4 using AWSSDK.Core's <see cref="AWS4Signer"/>.
/// The only file that touches the SDK's internal signing types, so an SDK upgrade changes one place.
/// Checked against botocore's SigV4Auth in SigV4SignerTests.
/// </summary>
internal sealed class SigV4Signer(string service, string region)
{
    // AWS4Signer wants an IClientConfig; it reads little from it since the request names region and service.
    internal static readonly ClientConfig ClientConfig = new SigningClientConfig();

    private readonly AWS4Signer _signer = new();

    public string Service { get; } = service;

    public string Region { get; } = region;

    /// <summary>Adds Host, X-Amz-Date, X-Amz-Content-SHA256, X-Amz-Security-Token (if any) and Authorization.</summary>
    public void Sign(HttpRequestMessage request, byte[] body, AwsCredentialsSnapshot credentials, DateTimeOffset signingTime)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!string.IsNullOrEmpty(uri.Query))
        {
            // Our JSON protocols never use query strings; supporting them would mean canonicalising parameters here.
            throw new ArgumentException("Query strings are not supported by this signer.", nameof(request));
        }

        var sdkRequest = new DefaultRequest(new SigningRequest(), Service)
        {
            HttpMethod = request.Method.Method,
            Endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority)),
            ResourcePath = uri.AbsolutePath,
            Content = body,
            AuthenticationRegion = Region,
            OverrideSigningServiceName = Service,
        };

        foreach (var header in request.Headers)
        {
            sdkRequest.Headers[header.Key] = string.Join(",", header.Value);
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                sdkRequest.Headers[header.Key] = string.Join(",", header.Value);
            }
        }

        if (credentials.SessionToken is { Length: > 0 } token)
        {
            sdkRequest.Headers["X-Amz-Security-Token"] = token;
        }

        var result = _signer.SignRequest(sdkRequest, ClientConfig, metrics: null, credentials.AccessKeyId, credentials.SecretAccessKey, signingTime.UtcDateTime);

        // Copy back what the signer added (host, dates, payload hash, token) so the wire carries exactly what was signed.
        foreach (var (name, value) in sdkRequest.Headers)
        {
            if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
                continue;
            }

            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    private sealed class SigningRequest : AmazonWebServiceRequest;

    private sealed class SigningClientConfig : ClientConfig
    {
        public SigningClientConfig()
            : base(null)
        {
        }

        public override string RegionEndpointServiceName => "batch";

        public override string ServiceVersion => "2016-08-10";

        public override string UserAgent => "BatchInsights";

        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("Endpoints are chosen by BatchInsights, not the SDK.");
    }
}
