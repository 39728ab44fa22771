namespace BatchInsights.Web.Hosting;

/// <summary><c>dotnet BatchInsights.Web.dll --healthcheck [url]</c>: exit 0 when /healthz answers 200.</summary>
internal static class HealthCheckCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var index = Array.IndexOf(args, "--healthcheck");
        var url = index + 1 < args.Length ? args[index + 1] : "http://127.0.0.1:8080/healthz";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (HttpRequestException)
        {
            return 1;
        }
        catch (TaskCanceledException)
        {
            return 1;
        }
    }
}
