using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>A client error of CloudWatch: HTTP 400 with a CloudWatch error code.</summary>
internal sealed class CloudWatchClientException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// CloudWatch GetMetricData for the NAT gateways' AWS/NATGateway byte metrics, in both protocols botocore's
/// "monitoring" model declares that clients use here: the AWS Query protocol (form body Action=GetMetricData&amp;
/// Version=2010-08-01, XML answer; our client and older SDKs) and JSON 1.0 (X-Amz-Target
/// GraniteServiceVersion20100801.GetMetricData; current botocore/AWS CLI, which prefers it over query).
/// A query form is told apart from EC2's by the SigV4 credential scope's service ("monitoring") or Version.
/// </summary>
internal static class CloudWatchProtocol
{
    public const string Namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
    public const string ApiVersion = "2010-08-01";
    private const string TargetPrefix = "GraniteServiceVersion20100801.";
    private const string NatNamespace = "AWS/NATGateway";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false) };

    /// <summary>Download-side metrics (bytes from the internet, handed on to the instances) vs upload-side.</summary>
    private static readonly Dictionary<string, bool> NatMetrics = new(StringComparer.Ordinal)
    {
        ["BytesInFromDestination"] = true,
        ["BytesOutToSource"] = true,
        ["BytesInFromSource"] = false,
        ["BytesOutToDestination"] = false,
    };

    public static bool IsCloudWatchRequest(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method) || request.Path != "/") return false;
        if (request.Headers["X-Amz-Target"].ToString().StartsWith(TargetPrefix, StringComparison.Ordinal)) return true;
        // "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/monitoring/aws4_request, ..."
        var auth = request.Headers.Authorization.ToString();
        var at = auth.IndexOf("Credential=", StringComparison.Ordinal);
        if (at < 0) return false;
        var end = auth.IndexOf(',', at);
        var scope = (end < 0 ? auth[(at + 11)..] : auth[(at + 11)..end]).Split('/');
        return scope.Length == 5 && scope[3] == "monitoring";
    }

    public static bool IsJson(HttpRequest request) => request.Headers.ContainsKey("X-Amz-Target");

    /// <summary>The operation name (for faults and errors): the Action field or the X-Amz-Target suffix.</summary>
    public static async Task<string> OperationOfAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        if (target.StartsWith(TargetPrefix, StringComparison.Ordinal)) return target[TargetPrefix.Length..];
        return request.HasFormContentType ? (await request.ReadFormAsync(cancellationToken))["Action"].ToString() : "";
    }

    public static async Task HandleAsync(HttpContext ctx, BatchAccount account)
    {
        var json = IsJson(ctx.Request);
        try
        {
            var operation = await OperationOfAsync(ctx.Request, ctx.RequestAborted);
            if (operation != "GetMetricData")
            {
                await WriteErrorAsync(ctx, 400, "InvalidAction", $"The action {operation} is not valid for this web service.");
                return;
            }

            GetMetricDataRequest request;
            if (json)
            {
                using var document = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
                request = ParseJson(document.RootElement);
            }
            else
            {
                var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
                if (form["Version"].ToString() is { Length: > 0 } version && version != ApiVersion)
                    throw new CloudWatchClientException("InvalidParameterValue", $"Version {version} is not supported; use {ApiVersion}.");
                request = ParseForm(form);
            }

            var results = Compute(account, request);
            if (json) await WriteJsonAsync(ctx, results);
            else await WriteXmlAsync(ctx, results);
        }
        catch (CloudWatchClientException ex)
        {
            await WriteErrorAsync(ctx, 400, ex.Code, ex.Message);
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(ctx, 400, "SerializationException", ex.Message);
        }
    }

    /// <summary>An error in the request's protocol: Query → ErrorResponse XML; JSON 1.0 → __type + x-amzn-query-error.</summary>
    public static async Task WriteErrorAsync(HttpContext ctx, int status, string code, string message)
    {
        var type = status >= 500 ? "Receiver" : "Sender";
        if (IsJson(ctx.Request))
        {
            // awsQueryCompatible: the query-era code travels in this header (botocore maps it back).
            ctx.Response.Headers["x-amzn-query-error"] = $"{code};{type}";
            await AwsJson.WriteAsync(ctx, status, w =>
            {
                w.WriteString("__type", $"com.amazonaws.cloudwatch#{code}");
                w.WriteString("message", message);
            });
            return;
        }

        await SendXmlAsync(ctx, status, w =>
        {
            w.WriteStartElement("ErrorResponse", Namespace);
            w.WriteStartElement("Error", Namespace);
            w.WriteElementString("Type", Namespace, type);
            w.WriteElementString("Code", Namespace, code);
            w.WriteElementString("Message", Namespace, message);
            w.WriteEndElement();
            w.WriteElementString("RequestId", Namespace, ctx.Response.Headers["x-amzn-RequestId"].ToString());
            w.WriteEndElement();
        });
    }

    private sealed record MetricQuery(string Id, string? Namespace, string? MetricName, IReadOnlyList<(string Name, string Value)> Dimensions, int Period, string Stat, string? Label, bool ReturnData);

    private sealed record GetMetricDataRequest(IReadOnlyList<MetricQuery> Queries, long StartMs, long EndMs, bool Ascending);

    private sealed record MetricResult(string Id, string Label, IReadOnlyList<(long TimeMs, double Value)> Points);

    private static GetMetricDataRequest ParseForm(IFormCollection form)
    {
        var queries = new List<MetricQuery>();
        for (var n = 1; form.ContainsKey($"MetricDataQueries.member.{n}.Id"); n++)
        {
            var p = $"MetricDataQueries.member.{n}.";
            var dims = new List<(string, string)>();
            for (var d = 1; form.ContainsKey($"{p}MetricStat.Metric.Dimensions.member.{d}.Name"); d++)
            {
                dims.Add((form[$"{p}MetricStat.Metric.Dimensions.member.{d}.Name"].ToString(), form[$"{p}MetricStat.Metric.Dimensions.member.{d}.Value"].ToString()));
            }

            queries.Add(Query(
                form[p + "Id"].ToString(),
                Optional(form[p + "Expression"].ToString()),
                Optional(form[p + "MetricStat.Metric.Namespace"].ToString()),
                Optional(form[p + "MetricStat.Metric.MetricName"].ToString()),
                dims,
                Optional(form[p + "MetricStat.Period"].ToString()),
                Optional(form[p + "MetricStat.Stat"].ToString()),
                Optional(form[p + "Label"].ToString()),
                Optional(form[p + "ReturnData"].ToString())));
        }

        return Request(queries, TimeOf(form["StartTime"].ToString(), "StartTime"), TimeOf(form["EndTime"].ToString(), "EndTime"), Optional(form["ScanBy"].ToString()));
    }

    private static GetMetricDataRequest ParseJson(JsonElement root)
    {
        var queries = new List<MetricQuery>();
        if (root.TryGetProperty("MetricDataQueries", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var q in list.EnumerateArray())
            {
                var stat = q.TryGetProperty("MetricStat", out var s) ? s : default;
                var metric = stat.ValueKind == JsonValueKind.Object && stat.TryGetProperty("Metric", out var m) ? m : default;
                var dims = new List<(string, string)>();
                if (metric.ValueKind == JsonValueKind.Object && metric.TryGetProperty("Dimensions", out var ds) && ds.ValueKind == JsonValueKind.Array)
                {
                    dims.AddRange(ds.EnumerateArray().Select(d => (d.GetString("Name") ?? "", d.GetString("Value") ?? "")));
                }

                queries.Add(Query(
                    q.GetString("Id") ?? "",
                    q.GetString("Expression"),
                    metric.GetString("Namespace"),
                    metric.GetString("MetricName"),
                    dims,
                    stat.ValueKind == JsonValueKind.Object && stat.TryGetProperty("Period", out var period) ? period.GetRawText() : null,
                    stat.GetString("Stat"),
                    q.GetString("Label"),
                    q.TryGetProperty("ReturnData", out var rd) ? rd.GetRawText() : null));
            }
        }

        string? Time(string name) => root.TryGetProperty(name, out var t)
            ? t.ValueKind == JsonValueKind.Number ? t.GetDouble().ToString("R", CultureInfo.InvariantCulture) : t.GetString()
            : null;
        return Request(queries, TimeOf(Time("StartTime"), "StartTime"), TimeOf(Time("EndTime"), "EndTime"), root.GetString("ScanBy"));
    }

    private static MetricQuery Query(string id, string? expression, string? ns, string? metricName, List<(string, string)> dims, string? period, string? stat, string? label, string? returnData)
    {
        if (id.Length == 0 || !char.IsAsciiLetterLower(id[0]) || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new CloudWatchClientException("ValidationError", $"The value {id} for parameter MetricDataQueries.member.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.");
        if (expression is not null)
            throw new CloudWatchClientException("ValidationError", "The sandbox serves MetricStat queries only, not metric math expressions.");
        if (ns is null || metricName is null || stat is null || period is null)
            throw new CloudWatchClientException("ValidationError", $"The parameter MetricDataQueries.member.MetricStat of query {id} needs Metric.Namespace, Metric.MetricName, Period and Stat.");
        if (!int.TryParse(period, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 60 || seconds % 60 != 0)
            throw new CloudWatchClientException("ValidationError", $"The parameter MetricDataQueries.member.MetricStat.Period of query {id} must be a multiple of 60 seconds, not '{period}'.");
        return new MetricQuery(id, ns, metricName, dims, seconds, stat, label, returnData is not ("false" or "False"));
    }

    private static GetMetricDataRequest Request(List<MetricQuery> queries, long start, long end, string? scanBy)
    {
        if (queries.Count is 0 or > 500) throw new CloudWatchClientException("ValidationError", "MetricDataQueries must hold 1 to 500 queries.");
        if (queries.Select(q => q.Id).Distinct(StringComparer.Ordinal).Count() != queries.Count)
            throw new CloudWatchClientException("ValidationError", "The Id of each MetricDataQuery must be unique.");
        if (end <= start) throw new CloudWatchClientException("ValidationError", "The parameter StartTime must be less than the parameter EndTime.");
        if (scanBy is not (null or "TimestampDescending" or "TimestampAscending"))
            throw new CloudWatchClientException("ValidationError", $"ScanBy '{scanBy}' is not TimestampDescending or TimestampAscending.");
        return new GetMetricDataRequest(queries, start, end, scanBy == "TimestampAscending");
    }

    private static string? Optional(string value) => value.Length == 0 ? null : value;

    private static long TimeOf(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) throw new CloudWatchClientException("MissingParameter", $"The parameter {name} is required.");
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var epochSeconds)) return (long)(epochSeconds * 1000);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return t.ToUnixTimeMilliseconds();
        throw new CloudWatchClientException("InvalidParameterValue", $"The parameter {name} must be an ISO 8601 timestamp, not '{text}'.");
    }

    private static List<MetricResult> Compute(BatchAccount account, GetMetricDataRequest request)
    {
        var traffic = request.Queries.Any(q => q.Namespace == NatNamespace)
            ? account.NatTrafficByHour(request.StartMs, request.EndMs)
            : [];
        var results = new List<MetricResult>();
        foreach (var q in request.Queries.Where(q => q.ReturnData))
        {
            var points = new List<(long, double)>();
            var nat = q.Dimensions.Count == 1 && q.Dimensions[0].Name == "NatGatewayId" ? q.Dimensions[0].Value : null;
            // Unknown metrics, namespaces or dimension sets give an empty series (Complete), as CloudWatch does.
            if (q.Namespace == NatNamespace && nat is not null && NatMetrics.TryGetValue(q.MetricName!, out var download) && traffic.TryGetValue(nat, out var t))
            {
                var hourly = download ? t.DownloadBytes : t.UploadBytes;
                var periodMs = q.Period * 1000L;
                var buckets = new SortedDictionary<long, List<double>>();
                for (var h = 0; h < hourly.Length; h++)
                {
                    var hourMs = t.FirstHourMs + (h * 3_600_000L);
                    if (hourMs < request.StartMs || hourMs >= request.EndMs) continue;
                    // Periods count from StartTime, as CloudWatch aligns them (day buckets at 00:00 for a midnight start).
                    var bucket = request.StartMs + ((hourMs - request.StartMs) / periodMs * periodMs);
                    if (!buckets.TryGetValue(bucket, out var values)) buckets[bucket] = values = [];
                    values.Add(hourly[h]);
                }

                foreach (var (time, values) in buckets)
                {
                    // The hourly totals stand for 60 one-minute datapoints each (NAT metrics are per minute).
                    points.Add((time, q.Stat switch
                    {
                        "Sum" => values.Sum(),
                        "SampleCount" => values.Count * 60.0,
                        "Average" => values.Sum() / (values.Count * 60.0),
                        "Maximum" => values.Max() / 60.0,
                        "Minimum" => values.Min() / 60.0,
                        _ => throw new CloudWatchClientException("ValidationError", $"The sandbox serves the statistics Sum, SampleCount, Average, Maximum and Minimum, not '{q.Stat}'."),
                    }));
                }
            }

            if (!request.Ascending) points.Reverse();
            results.Add(new MetricResult(q.Id, q.Label ?? q.MetricName ?? q.Id, points));
        }

        return results;
    }

    private static Task WriteXmlAsync(HttpContext ctx, List<MetricResult> results) =>
        SendXmlAsync(ctx, 200, w =>
        {
            w.WriteStartElement("GetMetricDataResponse", Namespace);
            w.WriteStartElement("GetMetricDataResult", Namespace);
            w.WriteStartElement("MetricDataResults", Namespace);
            foreach (var r in results)
            {
                w.WriteStartElement("member", Namespace);
                w.WriteElementString("Id", Namespace, r.Id);
                w.WriteElementString("Label", Namespace, r.Label);
                w.WriteStartElement("Timestamps", Namespace);
                foreach (var (time, _) in r.Points)
                    w.WriteElementString("member", Namespace, DateTimeOffset.FromUnixTimeMilliseconds(time).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                w.WriteEndElement();
                w.WriteStartElement("Values", Namespace);
                foreach (var (_, value) in r.Points) w.WriteElementString("member", Namespace, value.ToString("R", CultureInfo.InvariantCulture));
                w.WriteEndElement();
                w.WriteElementString("StatusCode", Namespace, "Complete");
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteStartElement("Messages", Namespace);
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteStartElement("ResponseMetadata", Namespace);
            w.WriteElementString("RequestId", Namespace, ctx.Response.Headers["x-amzn-RequestId"].ToString());
            w.WriteEndElement();
            w.WriteEndElement();
        });

    private static async Task WriteJsonAsync(HttpContext ctx, List<MetricResult> results)
    {
        await AwsJson.WriteAsync(ctx, 200, w =>
        {
            w.WriteStartArray("MetricDataResults");
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("Id", r.Id);
                w.WriteString("Label", r.Label);
                w.WriteStartArray("Timestamps");
                foreach (var (time, _) in r.Points) w.WriteNumberValue(time / 1000);
                w.WriteEndArray();
                w.WriteStartArray("Values");
                foreach (var (_, value) in r.Points) w.WriteNumberValue(value);
                w.WriteEndArray();
                w.WriteString("StatusCode", "Complete");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("Messages");
            w.WriteEndArray();
        });
    }

    private static async Task SendXmlAsync(HttpContext context, int status, Action<XmlWriter> write)
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
