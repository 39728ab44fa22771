using System.Net;
using System.Text;
using System.Text.Json;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Pricing;

/// <summary>The sandbox's Price List API refuses bad requests with JSON 1.1 errors (status, x-amzn-ErrorType, __type).</summary>
public sealed class SandboxPricingErrorTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Theory]
    [InlineData("AWSPriceListService.DescribeServices", """{"ServiceCode":"AmazonEC2"}""", "UnknownOperationException")]
    [InlineData("AWSPriceListService.GetProducts", """{}""", "InvalidParameterException")]
    [InlineData("AWSPriceListService.GetProducts", """{"ServiceCode":"AmazonEC2","MaxResults":101}""", "InvalidParameterException")]
    [InlineData("AWSPriceListService.GetProducts", """{"ServiceCode":"AmazonEC2","NextToken":"bm9wZQ=="}""", "InvalidNextTokenException")]
    [InlineData("AWSPriceListService.GetProducts", """{"ServiceCode":"AmazonEC2","Filters":[{"Type":"FUZZY","Field":"tenancy","Value":"Shared"}]}""", "InvalidParameterException")]
    public async Task GetProducts_BadRequest_Is400WithTheJson11ErrorCode(string target, string body, string expectedCode)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
        request.Headers.TryAddWithoutValidation("Authorization", SandboxClient.DummyAuthorization);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expectedCode, response.Headers.GetValues("x-amzn-ErrorType").Single());
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expectedCode, error.RootElement.GetProperty("__type").GetString());
        Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("message").GetString()));
    }
}
