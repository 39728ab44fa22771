using BatchInsights.Core.Access;
using Hangfire.Dashboard;

namespace BatchInsights.Web.Access;

/// <summary>The Hangfire dashboard is for Operators and Admins (it can trigger and delete background jobs).</summary>
internal sealed class HangfireOperatorFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return Roles.Satisfying(Roles.Operator).Any(user.IsInRole);
    }
}
