using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Recommendations;

/// <summary>Loads the input, runs every rule and stores the run. The Hangfire job is <see cref="RecommendationJob"/>.</summary>
public sealed partial class RecommendationRunner(
    RecommendationInputLoader loader,
    Recommender recommender,
    RecommendationStore store,
    IOptions<RecommendationOptions> options,
    ILogger<RecommendationRunner> logger)
{
    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        var runId = await store.StartRunAsync(cancellationToken);
        try
        {
            var o = options.Value;
            var input = await loader.LoadAsync(o.ToSettings(), TimeSpan.FromDays(o.WindowDays), cancellationToken);
            var recommendations = recommender.Evaluate(input);
            await store.CompleteRunAsync(runId, recommendations, input.Jobs.Count, cancellationToken);
            LogRun(runId, recommendations.Count, input.Jobs.Count);
            return runId;
        }
        catch (Exception e)
        {
            // Record the failure, then rethrow so Hangfire shows the job as failed too.
            await store.FailRunAsync(runId, e.Message, CancellationToken.None);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recommendation run {RunId}: {Count} recommendations over {Jobs} jobs")]
    private partial void LogRun(long runId, int count, int jobs);
}

/// <summary>The recurring Hangfire job (cron in Recommendations:Cron); also queued after the first harvests.</summary>
public sealed class RecommendationJob(RecommendationRunner runner)
{
    [DisableConcurrentExecution(timeoutInSeconds: 10 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => runner.RunAsync(cancellationToken);
}
