using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// Session keys the sandbox's STS issued. Like AWS, a call signed with a temporary (ASIA…) key id is accepted only
/// with the session token issued with it and before it expires; keys expire on real time, not the simulation clock.
/// </summary>
internal sealed class StsSessions(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _callsByKey = new(StringComparer.Ordinal);

    public TimeProvider Time => time;

    public IReadOnlyDictionary<string, long> CallsByAccessKeyId => _callsByKey;

    public Session Issue(string roleArn, string sessionName, int durationSeconds)
    {
        var keyId = "ASIA" + RandomToken(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        var session = new Session(
            keyId,
            RandomToken(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
            "FwoGZXIvYXdzE" + RandomToken(120, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            roleArn,
            sessionName,
            time.GetUtcNow().AddSeconds(durationSeconds));
        _sessions[keyId] = session;
        return session;
    }

    /// <summary>Null when the request may go on; otherwise why its temporary key is refused.</summary>
    public string? Check(string accessKeyId, string? sessionToken)
    {
        _callsByKey.AddOrUpdate(accessKeyId, 1, (_, n) => n + 1);
        if (!accessKeyId.StartsWith("ASIA", StringComparison.Ordinal))
        {
            return null;
        }

        if (!_sessions.TryGetValue(accessKeyId, out var session) || !string.Equals(session.SessionToken, sessionToken, StringComparison.Ordinal))
        {
            return "The security token included in the request is invalid.";
        }

        return time.GetUtcNow() >= session.Expires ? "The security token included in the request is expired" : null;
    }

    private static string RandomToken(int length, string alphabet) =>
        string.Create(length, alphabet, (span, chars) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = chars[RandomNumberGenerator.GetInt32(chars.Length)];
        });

    internal sealed record Session(string AccessKeyId, string SecretAccessKey, string SessionToken, string RoleArn, string SessionName, DateTimeOffset Expires);
}

/// <summary>
/// STS's Query protocol (botocore sts/2011-06-15): POST / with a form body (Action=AssumeRole&amp;Version=2011-06-15&amp;…),
/// XML answers &lt;AssumeRoleResponse&gt;&lt;AssumeRoleResult&gt;…, errors as &lt;ErrorResponse&gt;&lt;Error&gt;. Roles of the
/// sandbox's own account can be assumed by anyone; a role in another account answers AccessDenied, as AWS does when
/// the role does not exist or its trust policy does not name the caller.
/// </summary>
internal static partial class StsQuery
{
    public const string Namespace = "https://sts.amazonaws.com/doc/2011-06-15/";
    public const string Version = "2011-06-15";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Async = false };

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::([0-9]{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}$")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^[A-Za-z0-9+=,.@_-]{2,64}$")]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"Credential=([^/,\s]+)/[0-9]{8}/[^/]+/([^/]+)/aws4_request")]
    private static partial Regex CredentialScope();

    /// <summary>
    /// Whether a form POST is for STS rather than EC2: both use the Query protocol on POST /, but SigV4's credential
    /// scope names the service the request was signed for (".../us-east-1/sts/aws4_request").
    /// </summary>
    public static bool IsStsRequest(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path == "/" && request.HasFormContentType
        && !request.Headers.ContainsKey("X-Amz-Target")
        && CredentialScope().Match(request.Headers.Authorization.ToString()) is { Success: true } m
        && m.Groups[2].Value == "sts";

    /// <summary>The access key id a request was signed with, or null.</summary>
    public static string? AccessKeyIdOf(HttpRequest request) =>
        CredentialScope().Match(request.Headers.Authorization.ToString()) is { Success: true } m ? m.Groups[1].Value : null;

    public static async Task HandleAsync(HttpContext ctx, StsSessions sessions, string accountId)
    {
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var action = form["Action"].ToString();
        if (form["Version"].ToString() != Version)
        {
            await WriteErrorAsync(ctx, 400, "InvalidAction", $"Could not find operation {action} for version {form["Version"]}");
            return;
        }

        switch (action)
        {
            case "AssumeRole":
                await AssumeRoleAsync(ctx, form, sessions, accountId);
                return;
            case "GetCallerIdentity":
                await WriteAsync(ctx, action, w =>
                {
                    w.WriteElementString("Arn", Namespace, $"arn:aws:iam::{accountId}:user/sandbox");
                    w.WriteElementString("UserId", Namespace, "AIDASANDBOXUSER00000");
                    w.WriteElementString("Account", Namespace, accountId);
                });
                return;
            default:
                await WriteErrorAsync(ctx, 400, "InvalidAction", $"Could not find operation {action} for version {Version}");
                return;
        }
    }

    private static async Task AssumeRoleAsync(HttpContext ctx, IFormCollection form, StsSessions sessions, string accountId)
    {
        var roleArn = form["RoleArn"].ToString();
        var sessionName = form["RoleSessionName"].ToString();
        var durationText = form["DurationSeconds"].ToString();
        var duration = 3600;
        if (roleArn.Length == 0 || sessionName.Length == 0)
        {
            await WriteErrorAsync(ctx, 400, "MissingParameter", $"The request must contain the parameter {(roleArn.Length == 0 ? "RoleArn" : "RoleSessionName")}.");
            return;
        }

        if (!SessionNamePattern().IsMatch(sessionName))
        {
            await WriteErrorAsync(ctx, 400, "ValidationError",
                "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
            return;
        }

        if (durationText.Length > 0
            && (!int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out duration) || duration is < 900 or > 43200))
        {
            await WriteErrorAsync(ctx, 400, "ValidationError",
                "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200");
            return;
        }

        var match = RoleArnPattern().Match(roleArn);
        if (!match.Success)
        {
            await WriteErrorAsync(ctx, 400, "ValidationError", $"{roleArn} is invalid");
            return;
        }

        var caller = $"arn:aws:iam::{accountId}:user/sandbox";
        if (match.Groups[1].Value != accountId)
        {
            await WriteErrorAsync(ctx, 403, "AccessDenied", $"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {roleArn}");
            return;
        }

        var session = sessions.Issue(roleArn, sessionName, duration);
        var roleName = roleArn[(roleArn.LastIndexOf('/') + 1)..];
        await WriteAsync(ctx, "AssumeRole", w =>
        {
            w.WriteStartElement("Credentials", Namespace);
            w.WriteElementString("AccessKeyId", Namespace, session.AccessKeyId);
            w.WriteElementString("SecretAccessKey", Namespace, session.SecretAccessKey);
            w.WriteElementString("SessionToken", Namespace, session.SessionToken);
            w.WriteElementString("Expiration", Namespace, session.Expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteEndElement();
            w.WriteStartElement("AssumedRoleUser", Namespace);
            w.WriteElementString("AssumedRoleId", Namespace, $"AROASANDBOXROLE00000:{sessionName}");
            w.WriteElementString("Arn", Namespace, $"arn:aws:sts::{accountId}:assumed-role/{roleName}/{sessionName}");
            w.WriteEndElement();
        });
    }

    private static Task WriteAsync(HttpContext ctx, string action, Action<XmlWriter> result) =>
        SendAsync(ctx, 200, w =>
        {
            w.WriteStartElement(action + "Response", Namespace);
            w.WriteStartElement(action + "Result", Namespace);
            result(w);
            w.WriteEndElement();
            w.WriteStartElement("ResponseMetadata", Namespace);
            w.WriteElementString("RequestId", Namespace, Ec2Xml.RequestId(ctx));
            w.WriteEndElement();
            w.WriteEndElement();
        });

    /// <summary>The Query protocol's error document (awsQuery: ErrorResponse/Error/{Type,Code,Message}, then RequestId).</summary>
    public static Task WriteErrorAsync(HttpContext ctx, int status, string code, string message) =>
        SendAsync(ctx, status, w =>
        {
            w.WriteStartElement("ErrorResponse", Namespace);
            w.WriteStartElement("Error", Namespace);
            w.WriteElementString("Type", Namespace, status >= 500 ? "Receiver" : "Sender");
            w.WriteElementString("Code", Namespace, code);
            w.WriteElementString("Message", Namespace, message);
            w.WriteEndElement();
            w.WriteElementString("RequestId", Namespace, Ec2Xml.RequestId(ctx));
            w.WriteEndElement();
        });

    /// <summary>The request guard's refusals (written with EC2's codes) in STS's own words.</summary>
    public static Task WriteGuardErrorAsync(HttpContext ctx, int status, string code, string message) => code switch
    {
        "AuthFailure" => WriteErrorAsync(ctx, 403, "InvalidClientTokenId", message),
        "RequestLimitExceeded" => WriteErrorAsync(ctx, 400, "Throttling", "Rate exceeded"),
        "UnauthorizedOperation" => WriteErrorAsync(ctx, 403, "AccessDenied", message.Replace("You are not authorized to perform this operation. ", "", StringComparison.Ordinal)),
        "InternalError" => WriteErrorAsync(ctx, 500, "InternalFailure", "An internal error has occurred."),
        _ => WriteErrorAsync(ctx, status, code, message),
    };

    private static async Task SendAsync(HttpContext context, int status, Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, Settings))
        {
            w.WriteStartDocument();
            write(w);
            w.WriteEndDocument();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }
}
