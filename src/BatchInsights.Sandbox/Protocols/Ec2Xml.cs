using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>A client error of the EC2 Query API: HTTP 400 with an EC2 error code.</summary>
internal sealed class Ec2ClientException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Writes EC2 Query API responses (namespaced XML, requestId first) and errors (Response/Errors/Error).</summary>
internal static class Ec2Xml
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Async = false };

    public static string RequestId(HttpContext context) => context.Response.Headers["x-amzn-RequestId"].ToString();

    public static Task WriteAsync(HttpContext context, string action, Action<XmlWriter> body) =>
        SendAsync(context, 200, w =>
        {
            w.WriteStartElement(action + "Response", Namespace);
            w.WriteElementString("requestId", Namespace, RequestId(context));
            body(w);
            w.WriteEndElement();
        });

    /// <summary>EC2's error document: no namespace, RequestID (capital ID) after Errors.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message) =>
        SendAsync(context, status, w =>
        {
            w.WriteStartElement("Response");
            w.WriteStartElement("Errors");
            w.WriteStartElement("Error");
            w.WriteElementString("Code", code);
            w.WriteElementString("Message", message);
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteElementString("RequestID", RequestId(context));
            w.WriteEndElement();
        });

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
        context.Response.ContentType = "text/xml;charset=UTF-8";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    /// <summary>
    /// Writes DescribeInstanceTypes' PascalCase JSON (the SDK/CLI output shape) as EC2 XML: members become their
    /// locationName, which the ec2 model makes the camelCase member name except for the two renamed below; list
    /// elements are &lt;item&gt;.
    /// </summary>
    public static void WriteJsonAsXml(XmlWriter w, string name, JsonElement value)
    {
        w.WriteStartElement(name, Namespace);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in value.EnumerateObject())
                {
                    WriteJsonAsXml(w, LocationName(p.Name), p.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    WriteJsonAsXml(w, "item", item);
                }

                break;
            case JsonValueKind.True:
                w.WriteString("true");
                break;
            case JsonValueKind.False:
                w.WriteString("false");
                break;
            case JsonValueKind.String:
                w.WriteString(value.GetString());
                break;
            default:
                w.WriteString(value.GetRawText());
                break;
        }

        w.WriteEndElement();
    }

    private static string LocationName(string member) => member switch
    {
        "EbsCards" => "ebsCardSet",
        "Workloads" => "workloadSet",
        _ => char.ToLowerInvariant(member[0]) + member[1..],
    };
}
