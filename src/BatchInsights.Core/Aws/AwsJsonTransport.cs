using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BatchInsights.Core.Aws;

/// <summary>A successful response body and the request id AWS gave it.</summary>
internal sealed record AwsResponse(int Status, byte[] Body, string? RequestId);

/// <summary>
/// Sends one JSON-protocol AWS call (REST-JSON or JSON 1.1): rate budget, SigV4, per-call timeout,
/// retries with full-jitter backoff on throttling/5xx/timeouts, and errors as <see cref="AwsApiException"/>.
/// Service clients (Batch now; ECS, Pricing later) build bodies and parse responses around it.
/// </summary>
internal sealed class AwsJsonTransport
{
    // Error codes AWS uses for "slow down" across services (botocore's retry handler lists the same family).
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "TooManyRequestsException", "ThrottlingException", "Throttling", "ThrottledException",
        "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException",
        "SlowDown", "BandwidthLimitExceeded", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    private readonly HttpClient _http;
    private readonly string _serviceName;
    private readonly SigV4Signer _signer;
    private readonly Uri _endpoint;
    private readonly AwsCredentialSource _credentials;
    private readonly AwsCallPolicy _policy;
    private readonly TokenBucket _budget;
    private readonly AwsCallStats _stats;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;

    public AwsJsonTransport(
        HttpClient http,
        string serviceName,
        SigV4Signer signer,
        Uri endpoint,
        AwsCredentialSource credentials,
        AwsCallPolicy policy,
        TokenBucket budget,
        AwsCallStats stats,
        TimeProvider time,
        Func<double>? random = null)
    {
        _http = http;
        _serviceName = serviceName;
        _signer = signer;
        _endpoint = endpoint;
        _credentials = credentials;
        _policy = policy;
        _budget = budget;
        _stats = stats;
        _time = time;
        _random = random ?? Random.Shared.NextDouble;
    }

    public Uri Endpoint => _endpoint;

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> (relative to the endpoint, which may carry a base path).</summary>
    public async Task<AwsResponse> PostAsync(AwsOperation operation, string path, byte[] body, string contentType, string? amzTarget, CancellationToken cancellationToken)
    {
        var uri = new Uri(_endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + path);
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _budget.AcquireAsync(cancellationToken);
            _stats.CountCall();

            Failure failure;
            using (var timeout = new CancellationTokenSource(_policy.CallTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    var credentials = await ResolveCredentialsAsync(operation.Name, linked.Token);
                    using var request = new HttpRequestMessage(HttpMethod.Post, uri);
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                    if (amzTarget is not null)
                    {
                        request.Headers.TryAddWithoutValidation("X-Amz-Target", amzTarget);
                    }

                    _signer.Sign(request, body, credentials, _time.GetUtcNow());
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
                    var responseBody = await response.Content.ReadAsByteArrayAsync(linked.Token);
                    var requestId = RequestIdOf(response);
                    if (response.IsSuccessStatusCode)
                    {
                        return new AwsResponse((int)response.StatusCode, responseBody, requestId);
                    }

                    failure = ClassifyError(response, responseBody, requestId);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException ex)
                {
                    // Our per-call timeout, or HttpClient.Timeout: both are worth another try.
                    failure = new Failure(null, "Timeout", $"no response within {_policy.CallTimeout.TotalSeconds:0.#} s ({ex.Message})", null, Retryable: true, Throttled: false);
                }
                catch (HttpRequestException ex)
                {
                    failure = new Failure(null, "NetworkError", ex.Message, null, Retryable: true, Throttled: false);
                }
            }

            if (failure.Throttled)
            {
                _stats.CountThrottled();
            }

            if (!failure.Retryable || attempt >= _policy.MaxRetries)
            {
                var attempts = attempt + 1;
                throw new AwsApiException(
                    _serviceName,
                    operation.Name,
                    $"{failure.Describe()}{(failure.Retryable ? $" (gave up after {attempts} attempts)" : "")}",
                    failure.Status,
                    failure.Code,
                    failure.RequestId);
            }

            _stats.CountRetry();
            await Task.Delay(_policy.BackoffDelay(attempt, _random()), _time, cancellationToken);
        }
    }

    private async Task<AwsCredentialsSnapshot> ResolveCredentialsAsync(string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await _credentials.GetAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AwsApiException(_serviceName, operation, $"could not get AWS credentials from the {_credentials.Description}: {ex.Message}", inner: ex);
        }
    }

    private static string? RequestIdOf(HttpResponseMessage response)
    {
        foreach (var name in new[] { "x-amzn-RequestId", "x-amz-request-id" })
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                return values.FirstOrDefault();
            }
        }

        return null;
    }

    private static Failure ClassifyError(HttpResponseMessage response, byte[] body, string? requestId)
    {
        var status = (int)response.StatusCode;
        string? code = null;
        string? message = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            // "TooManyRequestsException:http://internal.amazon.com/coral/..." → the part before ':'.
            code = types.FirstOrDefault()?.Split(':')[0];
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    var value = property.Value.GetString();
                    switch (property.Name)
                    {
                        case "__type" or "code" or "Code" when string.IsNullOrEmpty(code):
                            // JSON 1.1 may send "namespace#Code".
                            code = value?[(value.LastIndexOf('#') + 1)..];
                            break;
                        case "message" or "Message":
                            message = value;
                            break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the Query protocols (CloudWatch) answer <ErrorResponse><Error><Code>…; a proxy's HTML page
            // leaves status and headers to say enough.
            (code, message) = QueryProtocolError(body, code, message);
        }

        message ??= response.ReasonPhrase;
        var throttled = status == (int)HttpStatusCode.TooManyRequests || (code is not null && ThrottlingCodes.Contains(code));
        var retryable = throttled || status >= 500 || status == (int)HttpStatusCode.RequestTimeout;
        return new Failure(status, string.IsNullOrEmpty(code) ? null : code, message, requestId, retryable, throttled);
    }

    /// <summary>Code and Message of an AWS Query protocol error document; the given values when the body is not one.</summary>
    private static (string? Code, string? Message) QueryProtocolError(byte[] body, string? code, string? message)
    {
        try
        {
            var root = System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(body)).Root;
            var error = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            if (error is null)
            {
                return (code, message);
            }

            var xmlCode = error.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
            var xmlMessage = error.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
            return (string.IsNullOrEmpty(code) ? xmlCode : code, xmlMessage ?? message);
        }
        catch (System.Xml.XmlException)
        {
            return (code, message);
        }
    }

    private sealed record Failure(int? Status, string? Code, string? Message, string? RequestId, bool Retryable, bool Throttled)
    {
        public string Describe() =>
            string.Join(
                " ",
                new[]
                {
                    Status is { } s ? $"HTTP {s}" : null,
                    Code,
                    string.IsNullOrEmpty(Message) ? null : $"\"{Message}\"",
                    RequestId is null ? null : $"(request id {RequestId})",
                }.Where(part => part is not null));
    }
}
