namespace BatchInsights.Core.Access;

/// <summary>
/// The three roles and the policies named after them. Each role includes the ones below it: an Admin may do what an
/// Operator may, an Operator what a Viewer may. Users hold exactly one role.
/// </summary>
public static class Roles
{
    /// <summary>Reads everything.</summary>
    public const string Viewer = "Viewer";

    /// <summary>Applies and rolls back changes, runs harvests and reports now, dismisses recommendations.</summary>
    public const string Operator = "Operator";

    /// <summary>Manages users and settings.</summary>
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    /// <summary>The roles that satisfy the policy named <paramref name="policy"/> (a role name).</summary>
    public static string[] Satisfying(string policy) => policy switch
    {
        Viewer => [Viewer, Operator, Admin],
        Operator => [Operator, Admin],
        Admin => [Admin],
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "Policies are Viewer, Operator and Admin."),
    };

    /// <summary>The canonical spelling of a role name given in any case, or null when it is none of the three.</summary>
    public static string? Parse(string? value) =>
        All.FirstOrDefault(r => string.Equals(r, value?.Trim(), StringComparison.OrdinalIgnoreCase));
}
