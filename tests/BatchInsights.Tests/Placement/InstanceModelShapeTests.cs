using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Placement;

/// <summary>The sandbox's DescribeInstances XML and DescribeContainerInstances JSON use only members of the botocore models.</summary>
public sealed class InstanceModelShapeTests : IAsyncLifetime
{
    private static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private PlacementSandbox _sandbox = null!;

    public async Task InitializeAsync() =>
        _sandbox = await PlacementSandbox.StartAsync("\"faults\": {}, \"terminatedInstanceVisibleMinutes\": 100000, \"inactiveContainerInstanceVisibleMinutes\": 100000");

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    private static JsonElement Model(string file, [CallerFilePath] string thisFile = "")
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Path.GetDirectoryName(thisFile)!, "Models", file)), CompressionMode.Decompress);
        return JsonDocument.Parse(gz).RootElement.Clone();
    }

    private static void CheckXml(JsonElement model, XElement element, string shapeName, string path, List<string> problems)
    {
        var shape = model.GetProperty("shapes").GetProperty(shapeName);
        if (element.Name.Namespace != Ns) problems.Add($"{path} is not in the EC2 namespace");
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                var members = shape.GetProperty("members").EnumerateObject()
                    .ToDictionary(m => m.Value.TryGetProperty("locationName", out var ln) ? ln.GetString()! : m.Name, m => m.Value.GetProperty("shape").GetString()!);
                foreach (var child in element.Elements())
                {
                    if (members.TryGetValue(child.Name.LocalName, out var childShape)) CheckXml(model, child, childShape, $"{path}.{child.Name.LocalName}", problems);
                    else problems.Add($"{path}.{child.Name.LocalName} is not a member of {shapeName}");
                }

                break;
            case "list":
                var member = shape.GetProperty("member");
                var itemName = member.TryGetProperty("locationName", out var name) ? name.GetString() : "item";
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName != itemName) problems.Add($"{path}.{child.Name.LocalName} should be <{itemName}>");
                    CheckXml(model, child, member.GetProperty("shape").GetString()!, $"{path}[]", problems);
                }

                break;
            default:
                CheckScalar(shape, shapeName, element.Value, path, problems);
                break;
        }
    }

    private static void CheckJson(JsonElement model, JsonElement value, string shapeName, string path, List<string> problems)
    {
        var shape = model.GetProperty("shapes").GetProperty(shapeName);
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                var members = shape.GetProperty("members");
                foreach (var p in value.EnumerateObject())
                {
                    if (members.TryGetProperty(p.Name, out var m)) CheckJson(model, p.Value, m.GetProperty("shape").GetString()!, $"{path}.{p.Name}", problems);
                    else problems.Add($"{path}.{p.Name} is not a member of {shapeName}");
                }

                break;
            case "list":
                if (value.ValueKind != JsonValueKind.Array) problems.Add($"{path} should be an array");
                else foreach (var item in value.EnumerateArray()) CheckJson(model, item, shape.GetProperty("member").GetProperty("shape").GetString()!, $"{path}[]", problems);
                break;
            case "timestamp" or "integer" or "long" or "double":
                if (value.ValueKind != JsonValueKind.Number) problems.Add($"{path} should be a number");
                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) problems.Add($"{path} should be true or false");
                break;
            default:
                if (value.ValueKind != JsonValueKind.String) problems.Add($"{path} should be a string");
                else CheckScalar(shape, shapeName, value.GetString()!, path, problems);
                break;
        }
    }

    private static void CheckScalar(JsonElement shape, string shapeName, string text, string path, List<string> problems)
    {
        switch (shape.GetProperty("type").GetString())
        {
            case "string":
                if (shapeName != "InstanceType" && shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == text))
                    problems.Add($"{path} = '{text}' is not in {shapeName}'s enum");
                break;
            case "integer" or "long":
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) problems.Add($"{path} = '{text}' should be an integer");
                break;
            case "boolean":
                if (text is not ("true" or "false")) problems.Add($"{path} = '{text}' should be true or false");
                break;
            case "timestamp":
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)) problems.Add($"{path} = '{text}' should be a timestamp");
                break;
        }
    }

    private async Task<string> PostAsync(HttpContent content, string? target = null)
    {
        using var http = new HttpClient { BaseAddress = _sandbox.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", SandboxClient.DummyAuthorization);
        if (target is not null) request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text;
    }

    [Fact]
    public async Task DescribeInstances_RunningSpotAndTerminatedInstances_MatchTheModel()
    {
        var model = Model("ec2-2016-11-15.describe-instances.service-2.json.gz");

        var root = XDocument.Parse(await PostAsync(new FormUrlEncodedContent([new("Action", "DescribeInstances"), new("Version", "2016-11-15")]))).Root!;

        var instances = root.Descendants(Ns + "instancesSet").Elements(Ns + "item").ToList();
        Assert.Contains(instances, i => i.Element(Ns + "instanceState")!.Element(Ns + "name")!.Value == "running");
        Assert.Contains(instances, i => i.Element(Ns + "stateReason")?.Element(Ns + "code")?.Value == "Server.SpotInstanceTermination");
        Assert.Contains(instances, i => i.Element(Ns + "instanceLifecycle") is null);
        var problems = new List<string>();
        var output = model.GetProperty("operations").GetProperty("DescribeInstances").GetProperty("output").GetProperty("shape").GetString()!;
        CheckXml(model, new XElement(Ns + "root", root.Elements().Where(e => e.Name.LocalName != "requestId")), output, "DescribeInstances", problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(20)));
    }

    [Fact]
    public async Task DescribeContainerInstances_FoundAndMissing_MatchTheModel()
    {
        var model = Model("ecs-2014-11-13.describe-container-instances.service-2.json.gz");
        await _sandbox.HarvestBatchAsync();
        var (_, _, attempts) = await _sandbox.ReadAsync();
        var arns = attempts.Select(a => a.ContainerInstanceArn).OfType<string>().Distinct().Take(99).ToList();
        var cluster = arns.GroupBy(InstanceHarvesterCluster).OrderByDescending(g => g.Count()).First().Key;
        var body = JsonSerializer.Serialize(new { cluster, containerInstances = arns.Where(a => InstanceHarvesterCluster(a) == cluster).Append("nope").ToList() });

        var text = await PostAsync(new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1"), "AmazonEC2ContainerServiceV20141113.DescribeContainerInstances");

        using var doc = JsonDocument.Parse(text);
        Assert.NotEmpty(doc.RootElement.GetProperty("containerInstances").EnumerateArray());
        Assert.Contains(doc.RootElement.GetProperty("failures").EnumerateArray(), f => f.GetProperty("reason").GetString() == "MISSING");
        var problems = new List<string>();
        var output = model.GetProperty("operations").GetProperty("DescribeContainerInstances").GetProperty("output").GetProperty("shape").GetString()!;
        CheckJson(model, doc.RootElement, output, "DescribeContainerInstances", problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(20)));
    }

    private static string InstanceHarvesterCluster(string arn) => Core.Harvesting.InstanceHarvester.ClusterOfContainerInstance(arn)!;
}
