using System.Diagnostics;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Builder;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// The account-wide request budget: AWS throttles every Batch API per account and region (429 TooManyRequestsException).
/// Runs on real elapsed time, not the simulation clock, because it limits how fast a client calls.
/// </summary>
internal sealed class RequestThrottle(double ratePerSecond, int burst, double throttleShare)
{
    private readonly Lock _gate = new();
    private double _tokens = burst;
    private long _last = Stopwatch.GetTimestamp();
    private long _calls;

    public bool TryAcquire()
    {
        lock (_gate)
        {
            // Deterministic share: call n is refused when floor((n+1)*share) moves past floor(n*share).
            var n = _calls++;
            if (throttleShare > 0 && Math.Floor((n + 1) * throttleShare) > Math.Floor(n * throttleShare)) return false;

            var now = Stopwatch.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + (Stopwatch.GetElapsedTime(_last, now).TotalSeconds * ratePerSecond));
            _last = now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}

/// <summary>
/// What every call goes through before its operation: a request id, the SigV4-shaped Authorization check, the account
/// throttle and the scenario's injected faults, each answered in the protocol of the call (Batch REST-JSON or EC2 XML).
/// </summary>
internal static class RequestGuard
{
    public static void UseAwsGuards(this IApplicationBuilder app, RequestThrottle throttle, FaultInjector faults, string accountId, StsSessions sessions) =>
        app.Use(async (ctx, next) =>
        {
            ctx.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            var isEc2 = Ec2Query.IsEc2Request(ctx.Request); // EC2 and STS: form POSTs (CloudWatch's are told apart by their scope)
            var isSts = StsQuery.IsStsRequest(ctx.Request);
            var isCloudWatch = CloudWatchProtocol.IsCloudWatchRequest(ctx.Request);
            // Pricing and ECS (X-Amz-Target "Prefix.Operation"); CloudWatch's JSON 1.0 targets are CloudWatch's own.
            var isJson11 = !isEc2 && !isCloudWatch && Json11Guard.IsJson11Request(ctx.Request);
            var operation = isEc2
                ? (await ctx.Request.ReadFormAsync(ctx.RequestAborted))["Action"].ToString()
                : isCloudWatch ? await CloudWatchProtocol.OperationOfAsync(ctx.Request, ctx.RequestAborted)
                : isJson11 ? Json11Guard.Describe(ctx.Request).Operation
                : SandboxOperations.BatchOperationOfPath(ctx.Request.Path);

            Task Fail(int status, string code, string message) =>
                isSts ? StsQuery.WriteGuardErrorAsync(ctx, status, code, message)
                : isCloudWatch ? CloudWatchProtocol.WriteErrorAsync(ctx, status, code, message)
                : isEc2 ? Ec2Xml.WriteErrorAsync(ctx, status, code, message)
                : AwsJson.WriteErrorAsync(ctx, status, code, message);

            // Each protocol's own throttling answer: EC2 503 RequestLimitExceeded, Batch 429, JSON 1.1 400 ThrottlingException,
            // CloudWatch 400 Throttling.
            Task Throttled() =>
                isCloudWatch ? Fail(400, "Throttling", "Rate exceeded")
                : isJson11 ? Json11Guard.WriteThrottledAsync(ctx)
                : isEc2 ? Fail(503, "RequestLimitExceeded", "Request limit exceeded.")
                : Fail(429, "TooManyRequestsException", "Too Many Requests");

            var auth = ctx.Request.Headers.Authorization.ToString();
            if (auth.Length == 0)
            {
                await (isEc2
                    ? Fail(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
                    : Fail(403, "MissingAuthenticationTokenException", "Missing Authentication Token"));
                return;
            }

            // The sandbox has no secrets to check a signature against, but it insists on a SigV4-shaped header.
            if (!auth.StartsWith("AWS4-HMAC-SHA256 Credential=", StringComparison.Ordinal) || !auth.Contains("Signature=", StringComparison.Ordinal))
            {
                await (isEc2
                    ? Fail(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
                    : Fail(403, "IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256)."));
                return;
            }

            // Temporary keys (from the sandbox's STS AssumeRole) count only with their session token and until they expire.
            if (sessions.Check(StsQuery.AccessKeyIdOf(ctx.Request) ?? "", ctx.Request.Headers["X-Amz-Security-Token"].ToString()) is { } refused)
            {
                var expired = refused.Contains("expired", StringComparison.Ordinal);
                await (isEc2 ? Fail(401, "AuthFailure", refused) : Fail(403, expired ? "ExpiredTokenException" : "UnrecognizedClientException", refused));
                return;
            }

            if (!throttle.TryAcquire())
            {
                await Throttled();
                return;
            }

            if (!string.IsNullOrEmpty(operation))
            {
                var (fault, latencyMs) = faults.Decide(operation);
                if (latencyMs > 0) await Task.Delay(latencyMs, ctx.RequestAborted);
                var service = isSts ? "sts" : isCloudWatch ? "cloudwatch" : isEc2 ? "ec2" : isJson11 ? Json11Guard.Describe(ctx.Request).Service : "batch";
                var denied = $"User: arn:aws:iam::{accountId}:user/sandbox is not authorized to perform: {service}:{operation} because no identity-based policy allows the {service}:{operation} action";
                if (fault == FaultKind.Malformed)
                {
                    await WriteTruncatedAsync(ctx, next);
                    return;
                }

                if (isJson11 && fault != FaultKind.None)
                {
                    await (fault switch
                    {
                        FaultKind.AccessDenied => Json11Guard.WriteAccessDeniedAsync(ctx, denied),
                        FaultKind.Throttle => Json11Guard.WriteThrottledAsync(ctx),
                        _ => Json11Guard.WriteServerErrorAsync(ctx),
                    });
                    return;
                }

                switch (fault)
                {
                    case FaultKind.AccessDenied:
                        await (isCloudWatch ? Fail(403, "AccessDenied", denied)
                            : isEc2 ? Fail(403, "UnauthorizedOperation", "You are not authorized to perform this operation. " + denied)
                            : Fail(403, "AccessDeniedException", denied));
                        return;
                    case FaultKind.Throttle:
                        await Throttled();
                        return;
                    case FaultKind.ServerError:
                        await (isCloudWatch ? Fail(500, "InternalServiceError", "Internal service error")
                            : isEc2 ? Fail(500, "InternalError", "An internal error has occurred.")
                            : Fail(500, "ServerException", "Internal server error"));
                        return;
                }
            }

            await next(ctx);
        });

    /// <summary>Runs the operation, then sends only the first half of its body (a truncated answer with a matching Content-Length).</summary>
    private static async Task WriteTruncatedAsync(Microsoft.AspNetCore.Http.HttpContext ctx, Microsoft.AspNetCore.Http.RequestDelegate next)
    {
        var original = ctx.Response.Body;
        using var buffer = new MemoryStream();
        ctx.Response.Body = buffer;
        try
        {
            await next(ctx);
        }
        finally
        {
            ctx.Response.Body = original;
        }

        var bytes = buffer.ToArray();
        var cut = bytes.Length / 2;
        ctx.Response.ContentLength = cut;
        await original.WriteAsync(bytes.AsMemory(0, cut), ctx.RequestAborted);
    }
}
