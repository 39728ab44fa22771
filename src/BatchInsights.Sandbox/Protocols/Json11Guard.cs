using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// How the request guard answers JSON 1.1 services (POST / with X-Amz-Target "Prefix.Operation"): the operation's name
/// for fault injection, the IAM service prefix for AccessDenied messages, and the services' own error codes — a JSON
/// 1.1 error is {"__type","message"} with x-amzn-ErrorType, 400 for client errors (throttling and AccessDenied
/// included: the Pricing model gives them no other status) and 500 for InternalErrorException.
/// </summary>
internal static class Json11Guard
{
    // X-Amz-Target prefix → IAM service prefix. Other JSON 1.1 services add their line here.
    private static readonly Dictionary<string, string> IamPrefixes = new(StringComparer.Ordinal)
    {
        ["AWSPriceListService"] = "pricing",
        ["AmazonEC2ContainerServiceV20141113"] = "ecs",
    };

    public static bool IsJson11Request(HttpRequest request) =>
        request.Headers.TryGetValue("X-Amz-Target", out var target) && target.ToString().Contains('.', StringComparison.Ordinal);

    /// <summary>"AWSPriceListService.GetProducts" → ("pricing", "GetProducts").</summary>
    public static (string Service, string Operation) Describe(HttpRequest request)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        var dot = target.LastIndexOf('.');
        var prefix = target[..dot];
        return (IamPrefixes.GetValueOrDefault(prefix, prefix.ToLowerInvariant()), target[(dot + 1)..]);
    }

    public static Task WriteThrottledAsync(HttpContext ctx) =>
        AwsJson.WriteErrorAsync(ctx, 400, "ThrottlingException", "Rate exceeded");

    public static Task WriteServerErrorAsync(HttpContext ctx) =>
        AwsJson.WriteErrorAsync(ctx, 500, "InternalErrorException", "An internal error occurred.");

    public static Task WriteAccessDeniedAsync(HttpContext ctx, string message) =>
        AwsJson.WriteErrorAsync(ctx, 400, "AccessDeniedException", message);
}
