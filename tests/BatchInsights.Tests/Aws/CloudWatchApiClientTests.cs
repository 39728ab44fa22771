using System.Net;
using BatchInsights.Core.Aws;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Aws;

public sealed class CloudWatchApiClientTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string Ok = """
        <GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
          <GetMetricDataResult>
            <MetricDataResults>
              <member>
                <Id>m1</Id><Label>BytesOutToDestination</Label>
                <Timestamps><member>2026-11-02T00:00:00Z</member><member>2026-11-01T00:00:00Z</member></Timestamps>
                <Values><member>2048.0</member><member>1024.0</member></Values>
                <StatusCode>Complete</StatusCode>
              </member>
            </MetricDataResults>
            <Messages/>
          </GetMetricDataResult>
          <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
        </GetMetricDataResponse>
        """;

    private static readonly MetricStatQuery Query = new("m1", "AWS/NATGateway", "BytesOutToDestination",
        [new KeyValuePair<string, string>("NatGatewayId", "nat-0123")], 86_400, "Sum");

    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static CloudWatchApiClient Client(Uri endpoint) => new(
        new HttpClient(), TestClients.Target, endpoint, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy,
        new TokenBucket(10_000, 10_000, TimeProvider.System));

    private static ScriptedResponse XmlError(int status, string code, string message) =>
        new(status, $"""<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>""",
            new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-err" });

    [Fact]
    public async Task GetMetricDataAsync_ScriptedAnswer_SendsTheQueryFormAndReturnsPointsOldestFirst()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Ok(Ok));

        var series = await Client(server.Endpoint).GetMetricDataAsync([Query], Start, Start.AddDays(2), CancellationToken.None);

        var s = Assert.Single(series);
        Assert.Equal([1024.0, 2048.0], s.Points.Select(p => p.Value));
        Assert.Equal(Start, s.Points[0].Timestamp);
        var request = Assert.Single(server.Requests);
        Assert.Contains("Action=GetMetricData", request.Body, StringComparison.Ordinal);
        Assert.Contains("Version=2010-08-01", request.Body, StringComparison.Ordinal);
        Assert.Contains("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=nat-0123", request.Body, StringComparison.Ordinal);
        Assert.Contains("/monitoring/aws4_request", request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetricDataAsync_ThrottlingThenOk_RetriesAndCountsTheThrottle()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Enqueue(XmlError(400, "Throttling", "Rate exceeded"), XmlError(400, "Throttling", "Rate exceeded"));
        server.Always(_ => ScriptedResponse.Ok(Ok));
        var client = Client(server.Endpoint);

        var series = await client.GetMetricDataAsync([Query], Start, Start.AddDays(2), CancellationToken.None);

        Assert.Equal(2, series[0].Points.Count);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(2, client.Stats.Throttled);
    }

    [Fact]
    public async Task GetMetricDataAsync_AccessDenied_FailsOnceNamingThePermission()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => XmlError(403, "AccessDenied", "User: arn:aws:iam::123456789012:user/x is not authorized"));

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => Client(server.Endpoint).GetMetricDataAsync([Query], Start, Start.AddDays(2), CancellationToken.None));

        Assert.Equal("GetMetricData", ex.Operation);
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Contains("cloudwatch:GetMetricData", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task GetMetricDataAsync_MismatchedValues_FailsAsUnexpectedResponse()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Ok(Ok.Replace("<member>1024.0</member>", "", StringComparison.Ordinal)));

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => Client(server.Endpoint).GetMetricDataAsync([Query], Start, Start.AddDays(2), CancellationToken.None));

        Assert.Contains("2 timestamps but 1 values", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetricDataAsync_Sandbox_DailySumsOfANatGateway()
    {
        using var ec2 = Sandbox.Ec2QueryTests.Client(fixture.Server.BaseAddress);
        var nats = await ec2.DescribeNatGatewaysAsync(new Amazon.EC2.Model.DescribeNatGatewaysRequest());
        var nat = nats.NatGateways[0].NatGatewayId;
        var end = new DateTimeOffset(SandboxFixture.Start.UtcDateTime.Date, TimeSpan.Zero);
        var client = Client(fixture.Server.BaseAddress);

        var series = await client.GetMetricDataAsync(
            [Query with { Dimensions = [new("NatGatewayId", nat)] }, Query with { Id = "m2", MetricName = "BytesInFromDestination", Dimensions = [new("NatGatewayId", nat)] }],
            end.AddDays(-7), end, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, nats.HttpStatusCode);
        Assert.All(series, s => Assert.Equal(7, s.Points.Count));
        Assert.All(series.SelectMany(s => s.Points), p => Assert.Equal(TimeSpan.Zero, p.Timestamp.TimeOfDay));
        // Downloads (image pulls) outweigh uploads.
        Assert.True(series[1].Points.Sum(p => p.Value) > series[0].Points.Sum(p => p.Value));
    }
}
