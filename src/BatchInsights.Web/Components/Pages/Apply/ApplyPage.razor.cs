using BatchInsights.Core.Access;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Recommendations;
using BatchInsights.Web.Access;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Apply;

/// <summary>
/// The confirmation page of a change: a recommendation's change (/recommendations/{id}/apply), the rollback of an
/// accepted apply (/audit/{id}/rollback), or an edit typed by the user (/compute-environments/{name}/edit, a form prefilled
/// from the CE now whose "Review change" leads to the same diff). Everything shown comes from a fresh read of the CE; the
/// button stays disabled until the CE name is typed, and a conflict replaces the diff with the new one.
/// </summary>
public partial class ApplyPage
{
    /// <summary>The signed-in user: the page is for Operators (its route requires the policy), and the audit log names them.</summary>
    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private RecommendationStore Store { get; set; } = default!;

    [Inject]
    private ApplyService Service { get; set; } = default!;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    [Inject]
    private ILogger<ApplyPage> Logger { get; set; } = default!;

    [Parameter]
    public long Id { get; set; }

    [Parameter]
    public long AuditId { get; set; }

    /// <summary>The CE being edited (the edit route); empty on the other routes.</summary>
    [Parameter]
    public string? Name { get; set; }

    /// <summary>The edited CE's account and region, as the CE page links them; may be left out with a single target.</summary>
    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    private bool IsRollback => AuditId > 0;

    private bool IsEdit => !string.IsNullOrEmpty(Name);

    /// <summary>The edit form (edit route only), and the messages for fields that could not be read.</summary>
    private ComputeEnvironmentEdit? Edit { get; set; }

    private IReadOnlyDictionary<string, string> EditErrors { get; set; } = new Dictionary<string, string>();

    private AwsTarget? EditTarget { get; set; }

    private bool Loading { get; set; } = true;

    private bool Busy { get; set; }

    private string? Error { get; set; }

    private string? NotAppliable { get; set; }

    private ComputeEnvironmentUpdate? Wanted { get; set; }

    private ApplyPreview? Preview { get; set; }

    private ApplyResult? Result { get; set; }

    private string? TypedName { get; set; }

    private bool CanConfirm => !Busy && Preview is { ApplyEnabled: true, Plan.CanApply: true } p
        && string.Equals(TypedName?.Trim(), p.ComputeEnvironment, StringComparison.Ordinal);

    /// <summary>The route and query the page last loaded for (see <see cref="OnParametersSetAsync"/>).</summary>
    private (long, long, string?, string?, string?)? _loadedFor;

    protected override async Task OnParametersSetAsync()
    {
        // Parameters are set again whenever the cascading authentication state changes (sign-in revalidation, a role
        // change): reload only when the route names something else, or a reload would swap the preview under the user's
        // typed confirmation and clear a message such as a refused Apply.
        var target = (Id, AuditId, Name, Account, Region);
        if (_loadedFor == target)
        {
            return;
        }

        _loadedFor = target;
        Loading = true;
        await GuardAsync(async () =>
        {
            if (IsRollback)
            {
                Preview = await Service.PreviewRollbackAsync(AuditId, CancellationToken.None);
                return;
            }

            if (IsEdit)
            {
                var current = await Service.DescribeAsync(Account, Region, Name!, CancellationToken.None);
                if (!string.Equals(current.Ce.Type, "MANAGED", StringComparison.OrdinalIgnoreCase))
                {
                    NotAppliable = $"{current.Ce.Name} is an UNMANAGED compute environment: it has no compute resources to edit here.";
                    return;
                }

                EditTarget = current.Target;
                Edit = ComputeEnvironmentEdit.From(current);
                return;
            }

            if (await Store.GetAsync(Id, CancellationToken.None) is not { } detail)
            {
                NotAppliable = $"No recommendation {Id}.";
                return;
            }

            var change = ApplyService.FromRecommendation(detail);
            if (change.Update is null)
            {
                NotAppliable = change.NotAppliable;
                return;
            }

            Wanted = change.Update;
            Preview = await Service.PreviewAsync(change.Account, change.Region, change.ComputeEnvironment, change.Update, Id, CancellationToken.None);
        });
        Loading = false;
    }

    private string? EditError(string field) => EditErrors.GetValueOrDefault(field);

    /// <summary>"Review change": the request from the fields the user changed, previewed like a recommendation's (no call to update).</summary>
    private async Task ReviewAsync()
    {
        if (Edit is not { } edit || EditTarget is not { } target)
        {
            return;
        }

        Result = null;
        TypedName = null;
        if (!edit.TryBuild(out var update, out var errors))
        {
            // Nothing is previewed or sent until every field can be read.
            EditErrors = errors;
            Preview = null;
            Wanted = null;
            return;
        }

        EditErrors = errors;
        Busy = true;
        await GuardAsync(async () =>
        {
            Wanted = update;
            Preview = await Service.PreviewAsync(target.Account, target.Region, edit.Name, update, recommendationId: null, CancellationToken.None);
        });
        Busy = false;
    }

    private async Task ConfirmAsync()
    {
        if (!CanConfirm || Preview is not { } p)
        {
            return;
        }

        // Checked again here, not only by the route: the circuit may outlive a role change.
        var user = (await AuthenticationState).User;
        if (!Roles.Satisfying(Roles.Operator).Any(user.IsInRole))
        {
            Error = "Only an Operator or Admin can apply or roll back changes.";
            return;
        }

        var actor = user.ActorName();
        Busy = true;
        await GuardAsync(async () =>
        {
            Result = IsRollback
                ? await Service.RollbackAsync(AuditId, p.Token, TypedName!, actor, CancellationToken.None)
                : await Service.ApplyAsync(new ApplyRequest(p.Account, p.Region, p.ComputeEnvironment, Wanted!, p.Token, TypedName!, actor, IsEdit ? null : Id), CancellationToken.None);
            if (Result.Preview is { } fresh && Result.Outcome != ApplyOutcome.Applied)
            {
                // A conflict (or a refusal) shows the diff against the CE as it is now; confirm again from scratch.
                Preview = fresh;
                TypedName = null;
            }
        });
        Busy = false;
    }

    private async Task CopyAsync(string text)
    {
        try
        {
            await Js.InvokeVoidAsync("navigator.clipboard.writeText", text);
        }
        catch (JSException e)
        {
            // A browser without clipboard access: the text stays selectable on the page.
            Logger.LogDebug(e, "Clipboard write failed");
        }
    }

    private async Task GuardAsync(Func<Task> action)
    {
        try
        {
            await action();
            Error = null;
        }
        catch (Exception e) when (e is ApplyNotFoundException or ArgumentException or InvalidOperationException or AwsApiException)
        {
            Error = e.Message;
        }
    }

    internal static Severity ResultSeverity(ApplyOutcome outcome) => outcome switch
    {
        ApplyOutcome.Applied => Severity.Success,
        ApplyOutcome.Conflict => Severity.Warning,
        _ => Severity.Error,
    };

    internal static Color KindColor(ChangeKind kind) => kind switch
    {
        ChangeKind.Scaling => Color.Success,
        ChangeKind.Infrastructure => Color.Warning,
        ChangeKind.BlueGreenRequired => Color.Error,
        _ => Color.Default,
    };

    internal static string KindText(ChangeKind kind) => kind switch
    {
        ChangeKind.Scaling => "Scaling update",
        ChangeKind.Infrastructure => "Infrastructure update",
        ChangeKind.BlueGreenRequired => "Blue/green required",
        _ => "No change",
    };
}
