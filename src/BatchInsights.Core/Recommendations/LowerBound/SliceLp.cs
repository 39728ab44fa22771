using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Core.Recommendations.LowerBound;

/// <summary>The optimum of one slice's LP: USD per hour and the (fractional) instance counts that reach it.</summary>
public sealed record LpSolution(double UsdPerHour, IReadOnlyList<(int Type, double Count)> Mix)
{
    public static readonly LpSolution Zero = new(0, []);

    /// <summary>No mix of the types covers the demand (e.g. GPUs asked for, no GPU type allowed).</summary>
    public static readonly LpSolution Infeasible = new(double.PositiveInfinity, []);

    public bool IsFeasible => !double.IsPositiveInfinity(UsdPerHour);
}

/// <summary>
/// Solves <c>min Σ pᵢxᵢ  s.t.  Σ cᵢxᵢ ≥ V,  Σ mᵢxᵢ ≥ M,  Σ gᵢxᵢ ≥ G,  x ≥ 0</c> exactly (aws-facts.md, "A valid lower bound").
/// <para>
/// With k constraints an optimal basic solution has at most k non-zero xᵢ, and every basis is either "a single type,
/// scaled until it covers all resources", or "j types with j of the constraints tight (and the rest satisfied)". So the
/// optimum is found by enumerating singles, pairs (two tight rows) and, when GPUs are asked for, triples (three tight
/// rows). Types whose per-dollar capacity (c/p, m/p, g/p) is dominated by another type's can never be needed, so they
/// are dropped first; what remains (the frontier) is small even for the whole catalog.
/// </para>
/// </summary>
public sealed class SliceLp
{
    private const double Eps = 1e-12;
    private readonly IReadOnlyList<MachineType> _types;
    private readonly double[] _prices;
    private int[]? _frontier2;
    private int[]? _frontier3;

    /// <param name="types">Capacities.</param>
    /// <param name="usdPerHour">Price of each type (same order), all positive.</param>
    public SliceLp(IReadOnlyList<MachineType> types, double[] usdPerHour)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(usdPerHour);
        if (types.Count != usdPerHour.Length)
        {
            throw new ArgumentException("One price per type is needed.", nameof(usdPerHour));
        }

        _types = types;
        _prices = usdPerHour;
    }

    /// <summary>The types that survive dominance pruning without GPU demand (for tests and diagnostics).</summary>
    internal IReadOnlyList<int> CpuMemoryFrontier => _frontier2 ??= Frontier(useGpus: false);

    public LpSolution Solve(double vcpus, double memoryGib, double gpus = 0)
    {
        if (vcpus <= Eps && memoryGib <= Eps && gpus <= Eps)
        {
            return LpSolution.Zero;
        }

        var useGpus = gpus > Eps;
        var frontier = useGpus ? _frontier3 ??= Frontier(useGpus: true) : _frontier2 ??= Frontier(useGpus: false);
        var d = new[] { Math.Max(0, vcpus), Math.Max(0, memoryGib), useGpus ? gpus : 0 };
        var rows = useGpus ? 3 : 2;
        var best = double.PositiveInfinity;
        (int, double)[] bestMix = [];

        // Singles: enough of one type to cover every resource.
        foreach (var i in frontier)
        {
            var x = 0.0;
            for (var r = 0; r < rows; r++)
            {
                if (d[r] > Eps)
                {
                    var cap = Cap(i, r);
                    x = cap > 0 ? Math.Max(x, d[r] / cap) : double.PositiveInfinity;
                }
            }

            var cost = x * _prices[i];
            if (cost < best)
            {
                best = cost;
                bestMix = [(i, x)];
            }
        }

        // Pairs: two rows tight, any remaining row must hold.
        for (var a = 0; a < frontier.Length; a++)
        {
            for (var b = a + 1; b < frontier.Length; b++)
            {
                var i = frontier[a];
                var j = frontier[b];
                for (var r1 = 0; r1 < rows; r1++)
                {
                    for (var r2 = r1 + 1; r2 < rows; r2++)
                    {
                        var det = (Cap(i, r1) * Cap(j, r2)) - (Cap(j, r1) * Cap(i, r2));
                        if (Math.Abs(det) < Eps)
                        {
                            continue;
                        }

                        var xi = ((d[r1] * Cap(j, r2)) - (Cap(j, r1) * d[r2])) / det;
                        var xj = ((Cap(i, r1) * d[r2]) - (Cap(i, r2) * d[r1])) / det;
                        if (xi < -1e-9 || xj < -1e-9)
                        {
                            continue;
                        }

                        xi = Math.Max(0, xi);
                        xj = Math.Max(0, xj);
                        if (!Covers([(i, xi), (j, xj)], d, rows))
                        {
                            continue;
                        }

                        var cost = (xi * _prices[i]) + (xj * _prices[j]);
                        if (cost < best)
                        {
                            best = cost;
                            bestMix = [(i, xi), (j, xj)];
                        }
                    }
                }
            }
        }

        if (useGpus)
        {
            SolveTriples(frontier, d, ref best, ref bestMix);
        }

        return double.IsPositiveInfinity(best) ? LpSolution.Infeasible : new LpSolution(best, bestMix);
    }

    private void SolveTriples(int[] frontier, double[] d, ref double best, ref (int, double)[] bestMix)
    {
        for (var a = 0; a < frontier.Length; a++)
        {
            for (var b = a + 1; b < frontier.Length; b++)
            {
                for (var c = b + 1; c < frontier.Length; c++)
                {
                    int[] idx = [frontier[a], frontier[b], frontier[c]];
                    // Cramer's rule on the 3×3 system Σ capᵣ(k)·x_k = dᵣ.
                    var det = Det3(idx, null, d);
                    if (Math.Abs(det) < Eps)
                    {
                        continue;
                    }

                    var x = new double[3];
                    var ok = true;
                    for (var k = 0; k < 3 && ok; k++)
                    {
                        x[k] = Det3(idx, k, d) / det;
                        ok = x[k] >= -1e-9;
                        x[k] = Math.Max(0, x[k]);
                    }

                    if (!ok)
                    {
                        continue;
                    }

                    var cost = (x[0] * _prices[idx[0]]) + (x[1] * _prices[idx[1]]) + (x[2] * _prices[idx[2]]);
                    if (cost < best && Covers([(idx[0], x[0]), (idx[1], x[1]), (idx[2], x[2])], d, 3))
                    {
                        best = cost;
                        bestMix = [(idx[0], x[0]), (idx[1], x[1]), (idx[2], x[2])];
                    }
                }
            }
        }
    }

    /// <summary>Determinant of the capacity matrix (columns = the 3 types), with column <paramref name="replace"/> swapped for d.</summary>
    private double Det3(int[] idx, int? replace, double[] d)
    {
        double M(int r, int k) => replace == k ? d[r] : Cap(idx[k], r);
        return (M(0, 0) * ((M(1, 1) * M(2, 2)) - (M(1, 2) * M(2, 1))))
            - (M(0, 1) * ((M(1, 0) * M(2, 2)) - (M(1, 2) * M(2, 0))))
            + (M(0, 2) * ((M(1, 0) * M(2, 1)) - (M(1, 1) * M(2, 0))));
    }

    private bool Covers((int Type, double Count)[] mix, double[] d, int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            var have = mix.Sum(m => Cap(m.Type, r) * m.Count);
            if (have < d[r] * (1 - 1e-9) - 1e-9)
            {
                return false;
            }
        }

        return true;
    }

    private double Cap(int type, int row) => row switch
    {
        0 => _types[type].Vcpus,
        1 => _types[type].MemoryGib,
        _ => _types[type].Gpus,
    };

    /// <summary>
    /// Types not dominated in per-dollar capacity: i is dropped when some j gives at least as much of every resource per
    /// dollar (ties keep the lower index). A dominated type can be swapped for its dominator at no extra cost.
    /// </summary>
    private int[] Frontier(bool useGpus)
    {
        var n = _types.Count;
        var perDollar = new (double C, double M, double G)[n];
        for (var i = 0; i < n; i++)
        {
            perDollar[i] = (_types[i].Vcpus / _prices[i], _types[i].MemoryGib / _prices[i], useGpus ? _types[i].Gpus / _prices[i] : 0);
        }

        if (!useGpus)
        {
            // 2-D: sort by vCPU per dollar (desc), keep each type that beats every earlier one on memory per dollar.
            var order = Enumerable.Range(0, n)
                .OrderByDescending(i => perDollar[i].C).ThenByDescending(i => perDollar[i].M).ThenBy(i => i)
                .ToArray();
            var kept = new List<int>();
            var bestM = double.NegativeInfinity;
            foreach (var i in order)
            {
                if (perDollar[i].M > bestM)
                {
                    kept.Add(i);
                    bestM = perDollar[i].M;
                }
            }

            return [.. kept];
        }

        var result = new List<int>();
        for (var i = 0; i < n; i++)
        {
            var dominated = false;
            for (var j = 0; j < n && !dominated; j++)
            {
                if (j == i)
                {
                    continue;
                }

                var (ci, mi, gi) = perDollar[i];
                var (cj, mj, gj) = perDollar[j];
                var atLeast = cj >= ci && mj >= mi && gj >= gi;
                var strictly = cj > ci || mj > mi || gj > gi;
                dominated = atLeast && (strictly || j < i);
            }

            if (!dominated)
            {
                result.Add(i);
            }
        }

        return [.. result];
    }
}
