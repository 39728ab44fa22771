using BatchInsights.Core.Networking;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Networking;

public partial class NetworkingPage
{
    [Inject]
    private NetworkQueries Queries { get; set; } = default!;

    private NetworkOverview Overview { get; set; } = new([], [], []);

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Overview = await Queries.GetAsync(cancellationToken);

    private static Color PathColor(string path) => path switch
    {
        NetworkPathKind.NoPath => Color.Error,
        NetworkPathKind.PartialNoPath or NetworkPathKind.NatCrossAz or NetworkPathKind.Unknown => Color.Warning,
        NetworkPathKind.Endpoints => Color.Success,
        _ => Color.Default,
    };
}
