namespace BatchInsights.Core.Recommendations.Simulation;

/// <summary>Receives one launch decision of <see cref="LaunchCover"/>: <paramref name="copies"/> instances of
/// <paramref name="type"/>, each holding <paramref name="contents"/> (shape index, job count).</summary>
internal delegate void LaunchSink(int type, int copies, ReadOnlySpan<(int Shape, int Count)> contents);

/// <summary>
/// The one launch decision of both packing models (<see cref="SlicePacking"/> and <see cref="PackingSimulator"/>): given
/// the jobs that wait together for capacity (a count per job shape, in first-fit-decreasing order), repeatedly launch the
/// type whose fresh instance, filled first-fit-decreasing with what still waits, holds the most job weight per dollar-hour,
/// until every waiting job has a place. A job's weight is what it would cost at the set's cheapest $/vCPU and $/GiB
/// (aws-facts "A valid lower bound", B0), so a type is judged by the demand it covers, not by the jobs it counts.
/// <para>
/// With one job waiting this is the cheapest type that job fits (every fitting type holds the same weight); with many it
/// prefers a large instance they share when that costs less per covered demand than one small instance each — what
/// Batch's documented strategies describe: BEST_FIT "selects an instance type that best fits the needs of the jobs"
/// and BEST_FIT_PROGRESSIVE/SPOT_* select types "large enough to meet the requirements of the jobs in the queue"
/// (docs.aws.amazon.com/batch/latest/userguide/allocation-strategies.html). That Batch sizes one scaling pass for all
/// RUNNABLE jobs together is documented in these words only; the weight-per-dollar greedy is our model of it (inference).
/// </para>
/// </summary>
internal sealed class LaunchCover
{
    private readonly double[] _shapeV;
    private readonly double[] _shapeM;
    private readonly int[] _shapeG;
    private readonly double[] _typeV;
    private readonly double[] _typeM;
    private readonly int[] _typeG;
    private readonly int[][] _fits;

    // Per candidate of the first waiting shape, what one fresh instance would take of each shape.
    private readonly int[][] _takes;
    private readonly double[] _suffixMinV;
    private readonly double[] _suffixMinM;
    private readonly (int Shape, int Count)[] _contents;

    /// <param name="shapeV">vCPUs per job shape.</param>
    /// <param name="shapeM">Memory per job shape (any unit, the same as <paramref name="typeM"/>).</param>
    /// <param name="shapeG">GPUs per job shape.</param>
    /// <param name="typeV">vCPUs per type.</param>
    /// <param name="typeM">Memory a job can reserve per type.</param>
    /// <param name="typeG">GPUs per type.</param>
    /// <param name="fits">Per shape, the types that may hold it.</param>
    public LaunchCover(double[] shapeV, double[] shapeM, int[] shapeG, double[] typeV, double[] typeM, int[] typeG, int[][] fits)
    {
        _shapeV = shapeV;
        _shapeM = shapeM;
        _shapeG = shapeG;
        _typeV = typeV;
        _typeM = typeM;
        _typeG = typeG;
        _fits = fits;
        var shapes = shapeV.Length;
        _takes = new int[Math.Max(1, fits.Max(f => (int?)f.Length) ?? 0)][];
        for (var c = 0; c < _takes.Length; c++)
        {
            _takes[c] = new int[shapes];
        }

        _suffixMinV = new double[shapes];
        _suffixMinM = new double[shapes];
        _contents = new (int, int)[shapes];
    }

    /// <summary>
    /// Covers the waiting jobs: <paramref name="order"/>[0..<paramref name="n"/>) are the waiting shapes in FFD order, each
    /// with at least one type in its fits and <paramref name="remaining"/> &gt; 0 (set to 0 on return). Prices per type
    /// (USD/h) at the decision, weights per shape. Each decision goes to <paramref name="launch"/>, in order.
    /// </summary>
    public void Cover(int[] order, int n, int[] remaining, double[] price, double[] weight, LaunchSink launch)
    {
        var left = 0;
        // Smallest vCPU and memory request from each position on: a fill stops once nothing after it can fit.
        double minV = double.MaxValue, minM = double.MaxValue;
        for (var k = n - 1; k >= 0; k--)
        {
            minV = Math.Min(minV, _shapeV[order[k]]);
            minM = Math.Min(minM, _shapeM[order[k]]);
            _suffixMinV[k] = minV;
            _suffixMinM[k] = minM;
            left += remaining[order[k]];
        }

        var firstAt = 0;
        while (left > 0)
        {
            while (remaining[order[firstAt]] == 0)
            {
                firstAt++;
            }

            var candidates = _fits[order[firstAt]];
            var best = -1;
            var bestScore = double.MaxValue;
            for (var c = 0; c < candidates.Length; c++)
            {
                var t = candidates[c];
                var held = Fill(_typeV[t], _typeM[t], _typeG[t], order, firstAt, n, remaining, weight, _takes[c]);
                var score = price[t] / Math.Max(held, 1e-12);
                // On a tie (a family priced linearly in size holds the same demand per dollar in any size it fills), the
                // cheaper instance: it commits less capacity to jobs whose end times differ, so it scales down sooner.
                var tie = Math.Abs(score - bestScore) <= 1e-9 * Math.Max(score, bestScore);
                if (best < 0 || (!tie && score < bestScore) || (tie && price[t] < price[candidates[best]]))
                {
                    bestScore = score;
                    best = c;
                }
            }

            // The same instance is chosen again, with the same contents, as long as every candidate's fill stays within
            // what remains (then no fill, score or first shape changes): launch all those copies at once. Exact, and it
            // turns thousands of identical decisions in a busy slice into one.
            var pattern = _takes[best];
            var repeat = int.MaxValue;
            var placedOnce = 0;
            var kinds = 0;
            for (var k = firstAt; k < n; k++)
            {
                var i = order[k];
                if (pattern[i] == 0)
                {
                    continue;
                }

                placedOnce += pattern[i];
                _contents[kinds++] = (i, pattern[i]);
                for (var c = 0; c < candidates.Length; c++)
                {
                    repeat = Math.Min(repeat, (remaining[i] - _takes[c][i]) / pattern[i]);
                }
            }

            if (placedOnce == 0)
            {
                // Cannot happen for a type chosen from fits[first], but never loop forever on a rounding edge.
                throw new InvalidOperationException($"Packing made no progress on type {candidates[best]}.");
            }

            var copies = Math.Max(0, repeat) + 1;
            for (var k = 0; k < kinds; k++)
            {
                remaining[_contents[k].Shape] -= copies * _contents[k].Count;
            }

            left -= copies * placedOnce;
            launch(candidates[best], copies, _contents.AsSpan(0, kinds));
        }
    }

    /// <summary>
    /// Weight of the jobs one fresh instance (<paramref name="v"/> vCPU, <paramref name="m"/> usable memory, <paramref name="g"/>
    /// GPUs) would hold (FFD over the remaining counts of <paramref name="order"/>[from..to)); how many of each shape it
    /// takes goes to <paramref name="takes"/> (set for every shape of that range; shapes before it have none remaining).
    /// </summary>
    private double Fill(double v, double m, int g, int[] order, int from, int to, int[] remaining, double[] weight, int[] takes)
    {
        double held = 0;
        for (var o = from; o < to; o++)
        {
            // No shape from here on fits what is left (floor(left / request) is 0 for all of them): the rest take nothing.
            if (v + 1e-9 < _suffixMinV[o] || m + 1e-9 < _suffixMinM[o])
            {
                for (; o < to; o++)
                {
                    takes[order[o]] = 0;
                }

                break;
            }

            var i = order[o];
            takes[i] = 0;
            var k = remaining[i];
            if (k == 0)
            {
                continue;
            }

            var sv = _shapeV[i];
            var sm = _shapeM[i];
            var sg = _shapeG[i];
            if (sv > 0)
            {
                k = Math.Min(k, (int)Math.Floor((v + 1e-9) / sv));
            }

            if (sm > 0)
            {
                k = Math.Min(k, (int)Math.Floor((m + 1e-9) / sm));
            }

            if (sg > 0)
            {
                k = Math.Min(k, g / sg);
            }

            if (k <= 0)
            {
                continue;
            }

            v -= k * sv;
            m -= k * sm;
            g -= k * sg;
            held += k * weight[i];
            takes[i] = k;
        }

        return held;
    }
}
