using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Xml.Linq;

namespace BatchInsights.Tests.Sandbox;

/// <summary>Every XML element the sandbox's EC2 endpoint emits must be a member of EC2's API model (botocore), by its locationName.</summary>
public sealed class Ec2ModelShapeTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private static readonly Lazy<JsonElement> Model = new(() => LoadModel());

    private static JsonElement LoadModel([CallerFilePath] string thisFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(thisFile)!, "Models", "ec2-2016-11-15.subset.service-2.json.gz");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return JsonDocument.Parse(gz).RootElement.Clone();
    }

    private async Task<XElement> CallAsync(params (string Key, string Value)[] form)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent([new("Version", "2016-11-15"), .. form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))]),
        };
        request.Headers.TryAddWithoutValidation("Authorization", SandboxClient.DummyAuthorization);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return XDocument.Parse(text).Root!;
    }

    private static string XmlName(string member, JsonElement spec) =>
        spec.TryGetProperty("locationName", out var ln) ? ln.GetString()! : member;

    private static void Check(XElement element, string shapeName, string path, List<string> problems)
    {
        var shape = Model.Value.GetProperty("shapes").GetProperty(shapeName);
        if (element.Name.Namespace != Ns) problems.Add($"{path} is not in the EC2 namespace");
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                var members = shape.GetProperty("members").EnumerateObject().ToDictionary(m => XmlName(m.Name, m.Value), m => m.Value.GetProperty("shape").GetString()!);
                foreach (var child in element.Elements())
                {
                    if (members.TryGetValue(child.Name.LocalName, out var childShape)) Check(child, childShape, $"{path}.{child.Name.LocalName}", problems);
                    else problems.Add($"{path}.{child.Name.LocalName} is not a member of {shapeName}");
                }

                break;
            case "list":
                var member = shape.GetProperty("member");
                var itemName = member.TryGetProperty("locationName", out var ln) ? ln.GetString() : "item";
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName != itemName) problems.Add($"{path}.{child.Name.LocalName} should be <{itemName}>");
                    Check(child, member.GetProperty("shape").GetString()!, $"{path}[]", problems);
                }

                break;
            case "string":
                // InstanceType's enum lags the types AWS launches (the captured data has newer ones, as AWS itself would).
                if (shapeName != "InstanceType" && shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == element.Value))
                    problems.Add($"{path} = '{element.Value}' is not in {shapeName}'s enum");
                break;
            case "integer" or "long":
                if (!long.TryParse(element.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) problems.Add($"{path} = '{element.Value}' should be an integer");
                break;
            case "double" or "float":
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

    private static List<string> Problems(XElement root, string operation)
    {
        var problems = new List<string>();
        if (root.Name != Ns + (operation + "Response")) problems.Add($"root is {root.Name}");
        var output = Model.Value.GetProperty("operations").GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!;
        Check(new XElement(Ns + "root", root.Elements().Where(e => e.Name.LocalName != "requestId")), output, operation, problems);
        if (root.Element(Ns + "requestId") is null) problems.Add("no requestId");
        return problems;
    }

    [Fact]
    public async Task DescribeInstanceTypes_EveryType_MatchesTheModel()
    {
        var problems = new List<string>();
        string? token = null;
        do
        {
            var root = await CallAsync([("Action", "DescribeInstanceTypes"), ("MaxResults", "100"), .. token is null ? [] : new[] { ("NextToken", token) }]);
            problems.AddRange(Problems(root, "DescribeInstanceTypes"));
            token = root.Element(Ns + "nextToken")?.Value;
        }
        while (token is not null);

        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(20)));
    }

    [Theory]
    [InlineData("region")]
    [InlineData("availability-zone")]
    [InlineData("availability-zone-id")]
    public async Task DescribeInstanceTypeOfferings_EveryLocationTypeEveryPage_MatchesTheModel(string locationType)
    {
        var problems = new List<string>();
        var items = 0;
        string? token = null;
        do
        {
            var root = await CallAsync([("Action", "DescribeInstanceTypeOfferings"), ("LocationType", locationType), ("MaxResults", "1000"),
                .. token is null ? [] : new[] { ("NextToken", token) }]);
            problems.AddRange(Problems(root, "DescribeInstanceTypeOfferings"));
            items += root.Descendants(Ns + "item").Count();
            token = root.Element(Ns + "nextToken")?.Value;
        }
        while (token is not null);

        Assert.True(items > 1000, $"only {items} offerings");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(20)));
    }

    [Fact]
    public async Task DescribeSpotPriceHistory_MatchesTheModel()
    {
        var root = await CallAsync(("Action", "DescribeSpotPriceHistory"), ("InstanceType.1", "m5.large"), ("StartTime", "2026-10-31T12:00:00Z"));

        Assert.NotEmpty(root.Descendants(Ns + "item"));
        Assert.Empty(Problems(root, "DescribeSpotPriceHistory"));
    }

    [Fact]
    public async Task DescribeAvailabilityZones_MatchesTheModel()
    {
        var root = await CallAsync(("Action", "DescribeAvailabilityZones"));

        Assert.NotEmpty(root.Descendants(Ns + "item"));
        Assert.Empty(Problems(root, "DescribeAvailabilityZones"));
    }
}
