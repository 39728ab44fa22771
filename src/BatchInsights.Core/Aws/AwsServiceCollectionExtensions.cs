using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Aws;

public static class AwsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the "Aws" section (at start), and registers <see cref="IAwsClientFactory"/>,
    /// the shared <see cref="RateBudgetRegistry"/> and the named HttpClient the clients use.
    /// </summary>
    public static IServiceCollection AddAwsClients(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AwsOptions>()
            .Bind(configuration.GetSection(AwsOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AwsOptions>, AwsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RateBudgetRegistry(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IAwsClientFactory, AwsClientFactory>();
        // Our own timeout and retries apply per call; HttpClient's 100 s default would only cut in after ours.
        services.AddHttpClient(AwsClientFactory.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }
}
