using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Xml.Linq;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The sandbox's VPC and CloudWatch answers, element by element, against botocore model subsets (Models/README.md).</summary>
public sealed class NetworkModelShapeTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static readonly XNamespace Ec2Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private static readonly XNamespace CwNs = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    private static JsonElement LoadModel(string file, [CallerFilePath] string thisFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(thisFile)!, "Models", file);
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return JsonDocument.Parse(gz).RootElement.Clone();
    }

    private static readonly Lazy<JsonElement> Ec2Model = new(() => LoadModel("ec2-2016-11-15.network-subset.service-2.json.gz"));
    private static readonly Lazy<JsonElement> CwModel = new(() => LoadModel("cloudwatch-2010-08-01.getmetricdata-subset.service-2.json.gz"));

    private async Task<XElement> CallAsync(string version, string scope, params (string Key, string Value)[] form)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent([new("Version", version), .. form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))]),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=AKID/20261101/us-east-1/{scope}/aws4_request, SignedHeaders=host, Signature=abc");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return XDocument.Parse(text).Root!;
    }

    // EC2 uses locationName (or the member name) and <item> for lists; the Query protocol uses member names and <member>.
    private static void Check(JsonElement model, XNamespace ns, bool ec2, XElement element, string shapeName, string path, List<string> problems)
    {
        var shape = model.GetProperty("shapes").GetProperty(shapeName);
        if (element.Name.Namespace != ns) problems.Add($"{path} is not in namespace {ns}");
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                var members = shape.GetProperty("members").EnumerateObject().ToDictionary(
                    m => ec2 && m.Value.TryGetProperty("locationName", out var ln) ? ln.GetString()! : m.Name,
                    m => m.Value.GetProperty("shape").GetString()!);
                foreach (var child in element.Elements())
                {
                    if (members.TryGetValue(child.Name.LocalName, out var childShape)) Check(model, ns, ec2, child, childShape, $"{path}.{child.Name.LocalName}", problems);
                    else problems.Add($"{path}.{child.Name.LocalName} is not a member of {shapeName}");
                }

                break;
            case "list":
                var member = shape.GetProperty("member");
                var itemName = member.TryGetProperty("locationName", out var itemLn) ? itemLn.GetString() : ec2 ? "item" : "member";
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName != itemName) problems.Add($"{path}.{child.Name.LocalName} should be <{itemName}>");
                    Check(model, ns, ec2, child, member.GetProperty("shape").GetString()!, $"{path}[]", problems);
                }

                break;
            case "string":
                // The model spells VPC endpoint states "Available", AWS (and moto) send "available".
                if (shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => string.Equals(v.GetString(), element.Value, shapeName == "State" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)))
                    problems.Add($"{path} = '{element.Value}' is not in {shapeName}'s enum");
                break;
            case "integer" or "long":
                if (!long.TryParse(element.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) problems.Add($"{path} = '{element.Value}' should be an integer");
                break;
            case "double":
                if (!double.TryParse(element.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) problems.Add($"{path} = '{element.Value}' should be a number");
                break;
            case "boolean":
                if (element.Value is not ("true" or "false")) problems.Add($"{path} = '{element.Value}' should be true or false");
                break;
            case "timestamp":
                if (!DateTimeOffset.TryParse(element.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)) problems.Add($"{path} = '{element.Value}' should be a timestamp");
                break;
        }
    }

    [Theory]
    [InlineData("DescribeSubnets")]
    [InlineData("DescribeRouteTables")]
    [InlineData("DescribeNatGateways")]
    [InlineData("DescribeVpcEndpoints")]
    public async Task Ec2NetworkOperation_DefaultScenario_MatchesTheModel(string operation)
    {
        var root = await CallAsync("2016-11-15", "ec2", ("Action", operation));

        var problems = new List<string>();
        Assert.Equal(Ec2Ns + (operation + "Response"), root.Name);
        var output = Ec2Model.Value.GetProperty("operations").GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!;
        Check(Ec2Model.Value, Ec2Ns, ec2: true, new XElement(Ec2Ns + "root", root.Elements().Where(e => e.Name.LocalName != "requestId")), output, operation, problems);
        Assert.NotEmpty(root.Elements().First(e => e.Name.LocalName.EndsWith("Set", StringComparison.Ordinal)).Elements());
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public async Task GetMetricData_QueryProtocol_MatchesTheModel()
    {
        var nat = (await CallAsync("2016-11-15", "ec2", ("Action", "DescribeNatGateways"))).Descendants(Ec2Ns + "natGatewayId").First().Value;

        var root = await CallAsync("2010-08-01", "monitoring",
            ("Action", "GetMetricData"),
            ("StartTime", "2026-10-25T00:00:00Z"), ("EndTime", "2026-11-01T00:00:00Z"),
            ("MetricDataQueries.member.1.Id", "m1"),
            ("MetricDataQueries.member.1.MetricStat.Metric.Namespace", "AWS/NATGateway"),
            ("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "BytesOutToSource"),
            ("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name", "NatGatewayId"),
            ("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value", nat),
            ("MetricDataQueries.member.1.MetricStat.Period", "86400"),
            ("MetricDataQueries.member.1.MetricStat.Stat", "Sum"));

        Assert.Equal(CwNs + "GetMetricDataResponse", root.Name);
        var result = root.Element(CwNs + "GetMetricDataResult")!;
        var problems = new List<string>();
        Check(CwModel.Value, CwNs, ec2: false, result, "GetMetricDataOutput", "GetMetricData", problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
        Assert.Equal(7, result.Descendants(CwNs + "Values").Single().Elements().Count());
        Assert.NotNull(root.Element(CwNs + "ResponseMetadata")?.Element(CwNs + "RequestId"));
    }
}
