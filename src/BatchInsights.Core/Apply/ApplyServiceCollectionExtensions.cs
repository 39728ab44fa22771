using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Apply;

public static class ApplyServiceCollectionExtensions
{
    /// <summary>
    /// The apply service, the audit log and the outcome job; options from the "Apply" section. Needs the DbContext factory,
    /// the AWS options, a <see cref="Harvesting.BatchApiFactory"/>, the targets (IEnumerable&lt;AwsTarget&gt;) and Hangfire.
    /// </summary>
    public static IServiceCollection AddApply(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ApplyOptions>().BindConfiguration(ApplyOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApplyOptions>, ValidateApplyOptions>());
        services.TryAddTransient<AuditLog>();
        services.TryAddTransient<ChangeHistory>();
        services.TryAddTransient<IApplyFollowUp, HangfireApplyFollowUp>();
        services.TryAddTransient<ApplyService>();
        services.TryAddTransient<ApplyOutcomeJob>();
        return services;
    }
}
