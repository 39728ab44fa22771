using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace BatchInsights.E2E;

/// <summary>
/// The walking skeleton end to end: the app as README starts it (sandbox + fresh SQLite), the first harvest over
/// HTTP, then Queues → Jobs → filter by status → a job's attempts, in Debian's Chromium.
/// </summary>
public sealed class DashboardTests(AppProcessFixture app) : IClassFixture<AppProcessFixture>, IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"Chromium not found at {chromium}: run ./test.sh (it installs the Debian package 'chromium') or set CHROMIUM_PATH.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task Dashboard_AfterFirstHarvest_ShowsQueuesJobsAndAJobsAttempts()
    {
        var page = await NewSignedInPageAsync(app.Operator);
        page.SetDefaultTimeout(30_000);

        // Queues: harvested from the sandbox, with the stuck queue flagged.
        await page.GotoAsync("/queues");
        await Assertions.Expect(page.GetByTestId("queue-row").First).ToBeVisibleAsync();
        Assert.True(await page.GetByTestId("queue-row").CountAsync() >= 3, "the sandbox scenario has several queues");
        await Assertions.Expect(page.GetByTestId("queue-stuck-warning").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("1-queues.png"), FullPage = true });

        // Jobs: filter by status through the UI; the filter lands in the URL and every row has that status.
        await page.GotoAsync("/jobs");
        await WaitUntilInteractiveAsync(page);
        await Assertions.Expect(page.GetByTestId("job-row").First).ToBeVisibleAsync();
        // The page re-renders whenever a harvest finishes (the first ones are still running, and under CI load a
        // re-render can close the menu between the two clicks): pick again until the URL shows the filter.
        for (var attempt = 1; ; attempt++)
        {
            await page.GetByTestId("jobs-status-filter").ClickAsync();
            await page.GetByRole(AriaRole.Option, new PageGetByRoleOptions { Name = "FAILED", Exact = true }).ClickAsync();
            try
            {
                await page.WaitForURLAsync(url => url.Contains("status=FAILED", StringComparison.Ordinal), new PageWaitForURLOptions { Timeout = 10_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await page.Keyboard.PressAsync("Escape");
            }
        }

        await Assertions.Expect(page.Locator("[data-testid=job-row]:not([data-status=FAILED])")).ToHaveCountAsync(0);
        Assert.True(await page.GetByTestId("job-row").CountAsync() >= 1, "the sandbox's history holds failed jobs");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("2-jobs-failed.png"), FullPage = true });

        // A job: its attempts with exit codes and reasons.
        // Array parents have no attempts of their own (like AWS) and array children (ids "parent:index") are stored from
        // ListJobs summaries: open a plain failed job.
        await page.Locator("[data-testid=job-row][data-status=FAILED]:not([data-job-id*=':']):not(:has-text('array of')) a").First.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/jobs/", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("job-attempts-table")).ToBeVisibleAsync();
        Assert.True(await page.GetByTestId("job-attempt-row").CountAsync() >= 1, "a FAILED job has at least one attempt");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("3-job-detail.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_AfterPlacementAndNetworkHarvests_ShowsNoPathCeInstancesAndSpotInterruptions()
    {
        // Both follow the first Batch harvest (Hangfire continuations).
        await app.WaitForRunAsync("network", TimeSpan.FromSeconds(180));
        await app.WaitForRunAsync("instances", TimeSpan.FromSeconds(180));
        var page = await NewSignedInPageAsync(app.Operator);
        page.SetDefaultTimeout(30_000);

        // Networking: the sandbox's isolated lab CE has no route to ECS; the page says so in red, and NAT gateways show traffic.
        await page.GotoAsync("/networking");
        await Assertions.Expect(page.Locator("[data-testid=no-path-alert][data-ce=lab-isolated]")).ToBeVisibleAsync();
        Assert.True(await page.GetByTestId("nat-row").CountAsync() >= 1, "the sandbox's VPCs have NAT gateways");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("4-networking.png"), FullPage = true });

        // A Spot CE: the instances it ran, with Spot hours.
        await page.GotoAsync("/compute-environments/spot-optimal");
        await Assertions.Expect(page.GetByTestId("ce-instance-row").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("ce-spot-hours")).Not.ToHaveTextAsync("0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("5-ce-instances.png"), FullPage = true });

        // Spot prices (their first harvest follows the Batch harvest and back-fills 90 days): the interruptions section
        // is there for the selected type.
        await app.WaitForRunAsync("spot-prices", TimeSpan.FromSeconds(240));
        await page.GotoAsync("/spot-prices");
        await Assertions.Expect(page.GetByTestId("spot-interruptions-section")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("6-spot-prices.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_AfterCostAndRecommendationRuns_ShowsCostsAndAnExplainedRecommendation()
    {
        // Costs follow the instance harvest and recommendations follow the Spot price harvest (Hangfire continuations).
        using var http = app.Client();
        var list = await app.WaitForJsonAsync(http, "/api/v1/recommendations", json => json.GetArrayLength() > 0, TimeSpan.FromSeconds(300), "a recommendation run with results");

        // The API speaks names, not enum numbers, in every field a client would switch on.
        var bid = list.EnumerateArray().First(r => r.GetProperty("ruleId").GetString() == "spot-bid");
        var detail = await app.WaitForJsonAsync(http, $"/api/v1/recommendations/{bid.GetProperty("id").GetInt64()}", _ => true, TimeSpan.FromSeconds(10), "the recommendation's detail");
        Assert.All(detail.GetProperty("evidence").EnumerateArray(), e => Assert.Equal(JsonValueKind.String, e.GetProperty("kind").ValueKind));
        Assert.Contains(detail.GetProperty("changes").EnumerateArray(), c => c.GetProperty("fieldPath").GetString() == "computeResources.bidPercentage");

        var page = await NewSignedInPageAsync(app.Operator);
        page.SetDefaultTimeout(30_000);

        // Recommendations: the capped Spot CE is advised to drop its bidPercentage; the detail shows the change and the curve.
        await page.GotoAsync("/recommendations");
        var row = page.Locator("[data-testid=recommendation-row][data-rule=spot-bid]").First;
        await Assertions.Expect(row).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("7-recommendations.png"), FullPage = true });
        await WaitUntilInteractiveAsync(page);
        await row.GetByTestId("recommendation-link").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/recommendations/", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("change-row").First).ToContainTextAsync("bidPercentage");
        await Assertions.Expect(page.GetByTestId("evidence-chart").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("8-recommendation-detail.png"), FullPage = true });

        // Dismissing with a reason sticks: the detail says who and why after a reload.
        await WaitUntilInteractiveAsync(page);
        await page.Locator("input[data-testid=dismiss-reason], [data-testid=dismiss-reason] input").First.FillAsync("budget cap agreed with finance");
        await page.GetByTestId("dismiss-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("dismissed")).ToContainTextAsync("budget cap agreed with finance");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("dismissed")).ToContainTextAsync("budget cap agreed with finance");

        // Costs: the harvested week has a total, with the share rule stated.
        await page.GotoAsync("/costs");
        await Assertions.Expect(page.GetByTestId("cost-row").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("cost-total")).Not.ToContainTextAsync("$0.00");
        await Assertions.Expect(page.GetByTestId("cost-share-rule")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("9-costs.png"), FullPage = true });

        // Overview (the landing page): the lab queue is stuck, savings are available, the trend has spend.
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByTestId("card-trend")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=stuck-queue][data-queue=lab] [data-testid=stuck-reason]")).ToContainTextAsync("no network path to ECS");
        await Assertions.Expect(page.GetByTestId("savings-available")).Not.ToHaveTextAsync("$0.00");
        await Assertions.Expect(page.GetByTestId("realized-pending")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("0-overview.png"), FullPage = true });

        // The Spot max-price advice opens as an exact UpdateComputeEnvironment diff against the CE re-read from AWS,
        // with nothing AWS would reject and Apply locked until the CE name is typed.
        await page.GotoAsync($"/recommendations/{bid.GetProperty("id").GetInt64()}/apply");
        await WaitUntilInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=apply-diff-row][data-field='computeResources.bidPercentage']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("apply-kind")).ToContainTextAsync("Infrastructure");
        await Assertions.Expect(page.GetByTestId("apply-button")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("apply-rejection")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("12-apply-diff.png"), FullPage = true });

        // The Operator types the CE name and applies: the sandbox's CE takes the new setting (re-read over the API).
        var ce = bid.GetProperty("targetName").GetString()!;
        var capBefore = await BidPercentageAsync(ce);
        await page.Locator("input[data-testid=apply-confirm], [data-testid=apply-confirm] input").First.FillAsync(ce);
        await Assertions.Expect(page.GetByTestId("apply-button")).ToBeEnabledAsync();
        await page.GetByTestId("apply-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("apply-result")).ToHaveAttributeAsync("data-outcome", "Applied");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("13-applied.png"), FullPage = true });
        var proposed = detail.GetProperty("changes").EnumerateArray().First(c => c.GetProperty("fieldPath").GetString() == "computeResources.bidPercentage").GetProperty("proposedValue").GetString();
        var capAfter = await BidPercentageAsync(ce);
        Assert.NotEqual(capBefore, capAfter);
        // "(unset)" is the AWS default: no cap, i.e. up to 100 % of the On-Demand price.
        Assert.Equal(int.TryParse(proposed, out var cap) ? cap : 100, capAfter ?? 100);

        // The audit log names the Operator; rolling the change back through the same page restores the cap.
        await page.GotoAsync("/audit");
        var applied = page.Locator("[data-testid=audit-row][data-action=apply][data-result=succeeded]").First;
        await Assertions.Expect(applied.GetByTestId("audit-actor")).ToHaveTextAsync(app.Operator.User);
        await WaitUntilInteractiveAsync(page);
        await applied.GetByTestId("rollback-button").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/rollback", StringComparison.Ordinal));
        await WaitUntilInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=apply-diff-row][data-field='computeResources.bidPercentage']")).ToBeVisibleAsync();
        // While the infrastructure update rolls out the CE is UPDATING, and AWS would reject another update: the page
        // says so instead of sending it. Once AWS reports VALID again the same page lets the rollback through.
        if (await CeStatusAsync(ce) == "UPDATING")
        {
            await Assertions.Expect(page.GetByTestId("apply-rejection").First).ToContainTextAsync("UPDATING");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("14-rollback-while-updating.png"), FullPage = true });
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (await CeStatusAsync(ce) == "UPDATING" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(2000);
            }

            await page.ReloadAsync();
            await WaitUntilInteractiveAsync(page);
        }

        await Assertions.Expect(page.GetByTestId("apply-rejection")).ToHaveCountAsync(0);
        await page.Locator("input[data-testid=apply-confirm], [data-testid=apply-confirm] input").First.FillAsync(ce);
        await page.GetByTestId("apply-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("apply-result")).ToHaveAttributeAsync("data-outcome", "Applied");
        Assert.Equal(capBefore, await BidPercentageAsync(ce));
        await page.GotoAsync("/audit");
        await Assertions.Expect(page.Locator("[data-testid=audit-row][data-action=rollback]").First.GetByTestId("audit-actor")).ToHaveTextAsync(app.Operator.User);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("15-audit.png"), FullPage = true });

        // A Viewer reads the same recommendation but gets no Apply, and the apply page itself refuses them.
        var viewer = await NewSignedInPageAsync(app.Viewer);
        await viewer.GotoAsync($"/recommendations/{bid.GetProperty("id").GetInt64()}");
        await Assertions.Expect(viewer.GetByTestId("apply-needs-operator")).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByTestId("apply-open")).ToHaveCountAsync(0);
        await viewer.GotoAsync($"/recommendations/{bid.GetProperty("id").GetInt64()}/apply");
        // Opened directly, the server refuses the page itself and says why.
        await Assertions.Expect(viewer.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByTestId("apply-button")).ToHaveCountAsync(0);
        await viewer.GotoAsync("/audit");
        await Assertions.Expect(viewer.GetByTestId("audit-row").First).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByTestId("rollback-button")).ToHaveCountAsync(0);
        await viewer.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("16-viewer-audit.png"), FullPage = true });
    }

    [Fact]
    public async Task Access_ViewerTokenGets403OnEveryWriteEndpointAndAnonymous401()
    {
        // The write endpoints come from the app's own OpenAPI document, so a new one cannot slip past this test.
        using var admin = app.Client();
        using var openApi = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var writes = openApi.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name is "post" or "put" or "patch" or "delete").Select(op => (Method: op.Name.ToUpperInvariant(), path.Name)))
            // A user's own API tokens are theirs to manage whatever their role.
            .Where(w => !w.Name.StartsWith("/api/v1/tokens", StringComparison.Ordinal))
            .ToList();
        Assert.True(writes.Count >= 8, $"only {writes.Count} write endpoints found in the OpenAPI document");

        using var viewer = app.Client(app.ViewerToken);
        using var anonymous = app.Client("");
        foreach (var (method, template) in writes)
        {
            var path = template.Replace("{name}", "od-general", StringComparison.Ordinal).Replace("{id}", "1", StringComparison.Ordinal).Replace("{week}", "2026-W47", StringComparison.Ordinal);
            foreach (var (client, expected) in new[] { (viewer, HttpStatusCode.Forbidden), (anonymous, HttpStatusCode.Unauthorized) })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = AppProcessFixture.JsonContent(new { }) };
                using var response = await client.SendAsync(request);
                Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode}, expected {(int)expected}");
            }
        }

        // Reading is a Viewer's right; users are an Admin's business.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(new Uri("/api/v1/queues", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(new Uri("/api/v1/users", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/v1/queues", UriKind.Relative))).StatusCode);
        using var me = JsonDocument.Parse(await viewer.GetStringAsync(new Uri("/api/v1/me", UriKind.Relative)));
        Assert.Equal(("victor", "Viewer", true), (me.RootElement.GetProperty("userName").GetString(), me.RootElement.GetProperty("role").GetString(), me.RootElement.GetProperty("viaApiToken").GetBoolean()));

        // A revoked token stops working at once, with the reason in WWW-Authenticate.
        using var created = await viewer.PostAsync(new Uri("/api/v1/tokens", UriKind.Relative), AppProcessFixture.JsonContent(new { name = "short-lived" }));
        using var createdJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var extra = app.Client(createdJson.RootElement.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await extra.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await viewer.DeleteAsync(new Uri($"/api/v1/tokens/{createdJson.RootElement.GetProperty("id").GetInt64()}", UriKind.Relative))).StatusCode);
        using var refused = await extra.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        // The Hangfire dashboard is for Operators: a Viewer's session is sent to "not allowed", an Operator's gets it.
        using var viewerSession = await app.SignInAsync(app.Viewer.User, app.Viewer.Password);
        using var viewerHangfire = await viewerSession.GetAsync(new Uri("/hangfire", UriKind.Relative));
        Assert.Contains("/account/access-denied", viewerHangfire.Headers.Location?.OriginalString ?? "", StringComparison.Ordinal);
        using var operatorSession = await app.SignInAsync(app.Operator.User, app.Operator.Password);
        Assert.Equal(HttpStatusCode.OK, (await operatorSession.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
        // Pages send an anonymous visitor to the sign-in form, keeping where they were going.
        using var page = await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress }.GetAsync(new Uri("/queues", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/login?ReturnUrl=%2Fqueues", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    private async Task<string?> CeStatusAsync(string ce)
    {
        var json = await BatchInsights.Tests.Sandbox.AwsCli.RunJsonAsync(app.SandboxEndpoint, "batch", "describe-compute-environments", "--compute-environments", ce);
        return json.GetProperty("computeEnvironments")[0].GetProperty("status").GetString();
    }

    /// <summary>The CE's Spot cap as AWS (the app's sandbox) describes it now, read with the AWS CLI.</summary>
    private async Task<int?> BidPercentageAsync(string ce)
    {
        var json = await BatchInsights.Tests.Sandbox.AwsCli.RunJsonAsync(app.SandboxEndpoint, "batch", "describe-compute-environments", "--compute-environments", ce);
        var resources = json.GetProperty("computeEnvironments")[0].GetProperty("computeResources");
        return resources.TryGetProperty("bidPercentage", out var bid) ? bid.GetInt32() : null;
    }

    [Fact]
    public async Task Reports_BuildThisWeekAndSendNow_ShowsTheReportAndMailsItOnce()
    {
        using var http = app.Client();
        var costs = await app.WaitForJsonAsync(http, "/api/v1/costs?groupBy=queue", json => json.GetProperty("totalUsd").GetDecimal() > 0, TimeSpan.FromSeconds(300), "a cost roll-up with spend");
        // The ISO week (UTC, the default report zone) of the latest day with spend.
        var lastDay = costs.GetProperty("days").EnumerateArray().Where(d => d.GetProperty("totalUsd").GetDecimal() > 0).Max(d => d.GetProperty("dayStartMs").GetInt64());
        var day = DateTimeOffset.FromUnixTimeMilliseconds(lastDay).UtcDateTime;
        var week = $"{System.Globalization.ISOWeek.GetYear(day):D4}-W{System.Globalization.ISOWeek.GetWeekOfYear(day):D2}";

        var page = await NewSignedInPageAsync(app.Operator);
        page.SetDefaultTimeout(30_000);

        // Build the week from the Reports page; it opens the week's report.
        await page.GotoAsync("/reports");
        await WaitUntilInteractiveAsync(page);
        await page.Locator("[data-testid=report-build-week] input").FillAsync(week);
        await page.GetByTestId("report-build").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/reports/{week}", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("report-kpi-total")).Not.ToContainTextAsync("$0.00");
        await Assertions.Expect(page.Locator("[data-testid=report-table][data-table=queue]")).ToBeVisibleAsync();
        var recipient = page.Locator($"[data-testid=delivery-row][data-recipient='{AppProcessFixture.ReportRecipient}']");
        await Assertions.Expect(recipient.GetByTestId("delivery-state")).ToHaveTextAsync("Not sent");

        // Send now: the real SMTP server on loopback receives it, and the panel says Sent.
        await WaitUntilInteractiveAsync(page);
        await page.GetByTestId("send-now").ClickAsync();
        await Assertions.Expect(recipient.GetByTestId("delivery-state")).ToHaveTextAsync("Sent", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("10-report-week.png"), FullPage = true });

        var mail = Assert.Single(app.Smtp.Received);
        Assert.Equal([AppProcessFixture.ReportRecipient], mail.EnvelopeTo);
        Assert.StartsWith($"BatchInsights weekly cost report {week}: $", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains("<svg", mail.Message.HtmlBody, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(mail.Message.TextBody));
        Assert.Contains(mail.Message.Attachments, a => a.ContentDisposition?.FileName == $"batchinsights-{week}-queue.csv");

        // Nothing is left to send, so Send now is off; asking the API to send the week again sends nothing more either.
        await Assertions.Expect(page.GetByTestId("send-now")).ToBeDisabledAsync();
        using var again = await http.PostAsync(new Uri($"/api/v1/reports/{week}/send", UriKind.Relative), null);
        Assert.True(again.IsSuccessStatusCode, $"POST send: {(int)again.StatusCode} {await again.Content.ReadAsStringAsync()}");
        Assert.Single(app.Smtp.Received);

        // The archive lists the week with its delivery; the e-mail HTML is kept as an artifact to look at.
        await page.GotoAsync("/reports");
        var row = page.Locator($"[data-testid=report-archive-row][data-week='{week}']");
        await Assertions.Expect(row.GetByTestId("report-archive-delivery")).ToHaveTextAsync("1 sent");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("11-reports.png"), FullPage = true });
        await File.WriteAllTextAsync(Shot("report-email.html"), mail.Message.HtmlBody);
    }

    /// <summary>A browser page signed in through the sign-in form.</summary>
    private async Task<IPage> NewSignedInPageAsync((string User, string Password) who)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        page.SetDefaultTimeout(30_000);
        await AppProcessFixture.SignInAsync(page, who.User, who.Password);
        return page;
    }

    /// <summary>Rows are visible in the prerendered HTML before the circuit can handle a click; wait for it.</summary>
    private static Task WaitUntilInteractiveAsync(IPage page) =>
        page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static string Shot(string name) => Path.Combine(AppProcessFixture.ArtifactsDirectory, name);
}
