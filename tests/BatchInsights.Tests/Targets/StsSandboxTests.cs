using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Xml.Linq;
using BatchInsights.Core.Aws;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Targets;

/// <summary>The sandbox's STS (Query protocol) against the AWS CLI and botocore's sts model.</summary>
public sealed class StsSandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string StsAuthorization =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";

    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static readonly Lazy<JsonElement> Model = new(() => LoadModel());

    private static JsonElement LoadModel([CallerFilePath] string thisFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "Sandbox", "Models", "sts-2011-06-15.service-2.json.gz");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return JsonDocument.Parse(gz).RootElement.Clone();
    }

    private async Task<(int Status, XElement Root)> CallAsync(params (string Key, string Value)[] form)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new FormUrlEncodedContent([new("Version", "2011-06-15"), .. form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))]),
        };
        request.Headers.TryAddWithoutValidation("Authorization", StsAuthorization);
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!);
    }

    private static void Check(XElement element, string shapeName, string path, List<string> problems)
    {
        var shape = Model.Value.GetProperty("shapes").GetProperty(shapeName);
        if (element.Name.Namespace != Ns) problems.Add($"{path} is not in the STS namespace");
        if (shape.GetProperty("type").GetString() != "structure")
        {
            return;
        }

        var members = shape.GetProperty("members").EnumerateObject().ToDictionary(m => m.Name, m => m.Value.GetProperty("shape").GetString()!);
        foreach (var child in element.Elements())
        {
            if (members.TryGetValue(child.Name.LocalName, out var childShape)) Check(child, childShape, $"{path}.{child.Name.LocalName}", problems);
            else problems.Add($"{path}.{child.Name.LocalName} is not a member of {shapeName}");
        }

        if (shape.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(r => element.Element(Ns + r) is null))
            {
                problems.Add($"{path} lacks required {name}");
            }
        }
    }

    private static List<string> Problems(XElement root, string operation)
    {
        var problems = new List<string>();
        var output = Model.Value.GetProperty("operations").GetProperty(operation).GetProperty("output");
        var result = root.Element(Ns + output.GetProperty("resultWrapper").GetString()!);
        if (root.Name != Ns + (operation + "Response")) problems.Add($"root is {root.Name}");
        if (result is null) problems.Add($"no {output.GetProperty("resultWrapper").GetString()}");
        else Check(result, output.GetProperty("shape").GetString()!, operation, problems);
        if (root.Element(Ns + "ResponseMetadata")?.Element(Ns + "RequestId") is null) problems.Add("no ResponseMetadata.RequestId");
        return problems;
    }

    [Fact]
    public async Task AwsCli_AssumeRole_ReturnsTemporaryKeysOfTheRole()
    {
        var result = await AwsCli.RunJsonAsync(
            fixture.Server.BaseAddress,
            "sts", "assume-role", "--role-arn", $"arn:aws:iam::{fixture.Server.AccountId}:role/BatchInsightsReader",
            "--role-session-name", "cli-test", "--external-id", "bi-4711");

        var credentials = result.GetProperty("Credentials");
        Assert.StartsWith("ASIA", credentials.GetProperty("AccessKeyId").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(credentials.GetProperty("SessionToken").GetString()));
        Assert.True(credentials.GetProperty("Expiration").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Equal(
            $"arn:aws:sts::{fixture.Server.AccountId}:assumed-role/BatchInsightsReader/cli-test",
            result.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
    }

    [Fact]
    public async Task AwsCli_GetCallerIdentity_NamesTheSandboxAccount()
    {
        var result = await AwsCli.RunJsonAsync(fixture.Server.BaseAddress, "sts", "get-caller-identity");

        Assert.Equal(fixture.Server.AccountId, result.GetProperty("Account").GetString());
    }

    [Fact]
    public async Task AssumeRole_Response_MatchesTheModel()
    {
        var (status, root) = await CallAsync(
            ("Action", "AssumeRole"), ("RoleArn", $"arn:aws:iam::{fixture.Server.AccountId}:role/BatchInsightsReader"),
            ("RoleSessionName", "shape"), ("DurationSeconds", "900"));

        Assert.Equal(200, status);
        Assert.Empty(Problems(root, "AssumeRole"));
    }

    [Fact]
    public async Task GetCallerIdentity_Response_MatchesTheModel()
    {
        var (status, root) = await CallAsync(("Action", "GetCallerIdentity"));

        Assert.Equal(200, status);
        Assert.Empty(Problems(root, "GetCallerIdentity"));
    }

    [Fact]
    public async Task AssumeRole_RoleInAnotherAccount_AccessDeniedNamingStsAssumeRole()
    {
        var (status, root) = await CallAsync(
            ("Action", "AssumeRole"), ("RoleArn", "arn:aws:iam::999999999999:role/BatchInsightsReader"), ("RoleSessionName", "denied"));

        var error = root.Element(Ns + "Error")!;
        Assert.Equal(403, status);
        Assert.Equal(Ns + "ErrorResponse", root.Name);
        Assert.Equal("AccessDenied", error.Element(Ns + "Code")?.Value);
        Assert.Equal("Sender", error.Element(Ns + "Type")?.Value);
        Assert.Contains("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/BatchInsightsReader", error.Element(Ns + "Message")?.Value);
    }

    [Fact]
    public async Task BatchCall_TemporaryKeyTheSandboxNeverIssued_Refused()
    {
        var client = new BatchApiClient(
            new HttpClient(),
            TestClients.Target,
            fixture.Server.BaseAddress,
            AwsCredentialSource.Fixed("ASIAFORGEDFORGED0000", "secret", "forged-token"),
            TestClients.FastPolicy,
            new TokenBucket(1_000, 1_000, TimeProvider.System),
            TimeProvider.System);

        var error = await Assert.ThrowsAsync<AwsApiException>(() => client.DescribeJobQueuesAsync(CancellationToken.None));

        Assert.Equal("UnrecognizedClientException", error.ErrorCode);
    }
}
