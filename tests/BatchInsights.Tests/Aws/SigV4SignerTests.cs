using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Aws;

public sealed class SigV4SignerTests
{
    // botocore's SigV4Auth over the same method, URL, headers and body, at the time in X-Amz-Date.
    private const string BotocoreSigner = """
        import sys, json, datetime
        from unittest import mock
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        d = json.load(sys.stdin)
        headers = {k: v for k, v in d["headers"].items() if k.lower() != "authorization"}
        request = AWSRequest(method=d["method"], url=d["url"], data=d["body"].encode("utf-8"), headers=headers)
        at = datetime.datetime.strptime(d["amzDate"], "%Y%m%dT%H%M%SZ")
        with mock.patch("botocore.auth.get_current_datetime", return_value=at):
            botocore.auth.SigV4Auth(Credentials(d["accessKey"], d["secretKey"], d.get("token")), d["service"], d["region"]).add_auth(request)
        print(request.headers["Authorization"])
        """;

    [PythonFact("botocore")]
    public async Task Sign_FixedRequestTimeAndKeys_AuthorizationEqualsBotocore()
    {
        var body = """{"jobs":["a1b2c3","d4e5f6"]}""";
        using var request = JsonPost("https://batch.eu-west-1.amazonaws.com/v1/describejobs", body);
        var credentials = new AwsCredentialsSnapshot("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: null);

        new SigV4Signer("batch", "eu-west-1").Sign(request, Encoding.UTF8.GetBytes(body), credentials, new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.Zero));

        var ours = Header(request, "Authorization");
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240229/eu-west-1/batch/aws4_request", ours);
        Assert.Equal(ours, await BotocoreAuthorizationAsync(request, body, credentials, "eu-west-1"));
    }

    [PythonFact("botocore")]
    public async Task Sign_SessionCredentialsOnLoopbackPort_AuthorizationEqualsBotocoreAndTokenIsSigned()
    {
        var body = """{"maxResults":100,"nextToken":"eyJ0b2tlbiI6ICIxMDAifQ=="}""";
        using var request = JsonPost("http://127.0.0.1:48123/v1/describejobqueues", body);
        var credentials = new AwsCredentialsSnapshot("ASIAEXAMPLE", "secret/with+chars", "FQoGZXIvYXdzEJr//////////wEaDOExampleSessionToken=");

        new SigV4Signer("batch", "us-east-1").Sign(request, Encoding.UTF8.GetBytes(body), credentials, new DateTimeOffset(2026, 11, 25, 8, 0, 1, TimeSpan.Zero));

        var ours = Header(request, "Authorization");
        Assert.Contains("x-amz-security-token", ours);
        Assert.Equal("127.0.0.1:48123", request.Headers.Host);
        Assert.Equal(ours, await BotocoreAuthorizationAsync(request, body, credentials, "us-east-1"));
    }

    [PythonFact("botocore")]
    public async Task DescribeJobQueues_RequestOnTheWire_CarriesASignatureBotocoreReproduces()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(ScriptedResponse.Ok("""{"jobQueues":[]}"""));
        var client = TestClients.Batch(server.Endpoint);

        await client.DescribeJobQueuesAsync(CancellationToken.None);

        // Recompute the signature from what the server received, exactly as AWS would verify it.
        var received = Assert.Single(server.Requests);
        var headers = received.Headers
            .Where(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value);
        var input = JsonSerializer.Serialize(new
        {
            method = received.Method,
            url = new Uri(server.Endpoint, received.Path).ToString(),
            headers,
            body = received.Body,
            amzDate = received.Headers["X-Amz-Date"],
            accessKey = "AKIDTEST",
            secretKey = "test-secret",
            service = "batch",
            region = "us-east-1",
        });
        var botocore = (await Python.RunCheckedAsync(BotocoreSigner, input, CancellationToken.None)).Trim();
        Assert.Equal("/v1/describejobqueues", received.Path);
        Assert.Equal("application/json", received.Headers["Content-Type"]);
        Assert.Equal(botocore, received.Headers["Authorization"]);
    }

    private static HttpRequestMessage JsonPost(string url, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    private static string Header(HttpRequestMessage request, string name) => string.Join(",", request.Headers.GetValues(name));

    private static async Task<string> BotocoreAuthorizationAsync(HttpRequestMessage request, string body, AwsCredentialsSnapshot credentials, string region)
    {
        var headers = request.Headers
            .Where(h => h.Key != "Authorization")
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value));
        headers["Host"] = request.Headers.Host!;
        headers["Content-Type"] = request.Content!.Headers.ContentType!.ToString();
        var input = JsonSerializer.Serialize(new
        {
            method = request.Method.Method,
            url = request.RequestUri!.ToString(),
            headers,
            body,
            amzDate = Header(request, "X-Amz-Date"),
            accessKey = credentials.AccessKeyId,
            secretKey = credentials.SecretAccessKey,
            token = credentials.SessionToken,
            service = "batch",
            region,
        });
        return (await Python.RunCheckedAsync(BotocoreSigner, input, CancellationToken.None)).Trim();
    }
}
