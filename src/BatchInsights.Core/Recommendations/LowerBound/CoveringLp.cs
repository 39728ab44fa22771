namespace BatchInsights.Core.Recommendations.LowerBound;

/// <summary>
/// A covering LP <c>min p·x  s.t.  A·x ≥ d,  x ≥ 0</c> with A ≥ 0 and p &gt; 0 (rows = constraints, columns = types),
/// solved through its dual <c>max d·y  s.t.  Aᵀy ≤ p,  y ≥ 0</c> by the primal simplex (Tucker tableau, Dantzig's rule
/// with Bland's rule after degenerate runs).
/// <para>
/// Why the dual: y = 0 is feasible because p &gt; 0, so no phase 1 is needed; the feasible region depends on A and p
/// only, so when just d changes (next slice, same prices) the last optimal basis is a feasible warm start. And it makes
/// the answer a certificate: for ANY y ≥ 0 with Aᵀy ≤ p, weak duality gives d·y ≤ p·x for every feasible x. So
/// <see cref="Solve"/> clamps y to ≥ 0, scales it down until Aᵀy ≤ p holds exactly in floating point, and returns d·y
/// — a value that is a lower bound whatever rounding the pivots did (it can only lose a hair of tightness).
/// </para>
/// </summary>
internal sealed class CoveringLp
{
    private const double Eps = 1e-10;
    private readonly double[][] _a; // [row][type]
    private readonly double[] _p;
    private readonly int _rows;
    private readonly int _n;

    // Tucker tableau: basic[i] = rhs[i] − Σ_j t[i][j]·nonbasic[j]; variables 0..rows-1 are y, rows.. are the slacks.
    private readonly double[][] _t;
    private readonly double[] _rhs;
    private readonly int[] _basic;
    private readonly int[] _nonbasic;

    public CoveringLp(double[][] a, double[] p)
    {
        _a = a;
        _p = p;
        _rows = a.Length;
        _n = p.Length;
        _t = new double[_n][];
        _rhs = (double[])p.Clone();
        _basic = new int[_n];
        _nonbasic = new int[_rows];
        for (var i = 0; i < _n; i++)
        {
            _basic[i] = _rows + i;
            _t[i] = new double[_rows];
            for (var r = 0; r < _rows; r++)
            {
                _t[i][r] = a[r][i];
            }
        }

        for (var r = 0; r < _rows; r++)
        {
            _nonbasic[r] = r;
        }
    }

    /// <summary>
    /// A certified lower bound on <c>min p·x s.t. A·x ≥ d</c> (equal to it up to rounding), or +∞ when no x covers d
    /// (a row with demand that no column can serve). Starts from the previous call's basis.
    /// </summary>
    public double Solve(double[] d)
    {
        ArgumentNullException.ThrowIfNull(d);
        for (var r = 0; r < _rows; r++)
        {
            if (d[r] > Eps && !_a[r].Any(v => v > 0))
            {
                return double.PositiveInfinity;
            }
        }

        var degenerate = 0;
        for (var iteration = 0; iteration < 50_000; iteration++)
        {
            // Reduced cost of each nonbasic variable for "maximise d·y": its own cost minus what the basis pays for it.
            var enter = -1;
            var bestRc = Eps;
            var bland = degenerate > 30;
            for (var j = 0; j < _rows; j++)
            {
                var rc = Cost(_nonbasic[j], d);
                for (var i = 0; i < _n; i++)
                {
                    var tij = _t[i][j];
                    if (tij != 0)
                    {
                        rc -= Cost(_basic[i], d) * tij;
                    }
                }

                if (bland ? rc > Eps && (enter < 0 || _nonbasic[j] < _nonbasic[enter]) : rc > bestRc)
                {
                    enter = j;
                    bestRc = bland ? bestRc : rc;
                }
            }

            if (enter < 0)
            {
                break; // optimal
            }

            var leave = -1;
            var bestRatio = double.PositiveInfinity;
            for (var i = 0; i < _n; i++)
            {
                var tic = _t[i][enter];
                if (tic > Eps)
                {
                    var ratio = Math.Max(0, _rhs[i]) / tic;
                    if (ratio < bestRatio - 1e-15 || (ratio <= bestRatio + 1e-15 && leave >= 0 && _basic[i] < _basic[leave]))
                    {
                        bestRatio = ratio;
                        leave = i;
                    }
                }
            }

            if (leave < 0)
            {
                return double.PositiveInfinity; // dual unbounded: the covering problem is infeasible
            }

            degenerate = bestRatio <= 1e-15 ? degenerate + 1 : 0;
            Pivot(leave, enter);
        }

        return Certified(d);
    }

    private double Cost(int variable, double[] d) => variable < _rows ? d[variable] : 0;

    private void Pivot(int r, int c)
    {
        var row = _t[r];
        var piv = row[c];
        for (var j = 0; j < _rows; j++)
        {
            row[j] = j == c ? 1 / piv : row[j] / piv;
        }

        _rhs[r] /= piv;
        for (var i = 0; i < _n; i++)
        {
            if (i == r)
            {
                continue;
            }

            var ti = _t[i];
            var f = ti[c];
            if (f == 0)
            {
                continue;
            }

            for (var j = 0; j < _rows; j++)
            {
                ti[j] = j == c ? -f / piv : ti[j] - (f * row[j]);
            }

            _rhs[i] -= f * _rhs[r];
        }

        (_basic[r], _nonbasic[c]) = (_nonbasic[c], _basic[r]);
    }

    /// <summary>d·y for the basis' y, made exactly dual-feasible (y ≥ 0, Aᵀy ≤ p) by clamping and scaling down.</summary>
    private double Certified(double[] d)
    {
        var y = new double[_rows];
        for (var i = 0; i < _n; i++)
        {
            if (_basic[i] < _rows)
            {
                y[_basic[i]] = Math.Max(0, _rhs[i]);
            }
        }

        var scale = 1.0;
        for (var i = 0; i < _n; i++)
        {
            var used = 0.0;
            for (var r = 0; r < _rows; r++)
            {
                used += _a[r][i] * y[r];
            }

            scale = Math.Max(scale, used / _p[i]);
        }

        var bound = 0.0;
        for (var r = 0; r < _rows; r++)
        {
            bound += d[r] * y[r];
        }

        // A relative hair below: keeps the certificate a bound even if the scaling check itself rounded up.
        return bound / scale * (1 - 1e-12);
    }
}
