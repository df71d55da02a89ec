using DqnBridge.Envs;
using MathNet.Numerics.Distributions;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>A point estimate with its 95% bootstrap interval.</summary>
public sealed record Interval(double Estimate, double Lower, double Upper);

/// <summary>
/// Statistics across seeds, one value per seed (its last-100-episode mean return). Definitions follow the usual
/// references so that the numbers can be checked against them: NumPy's std (ddof 0, as CleanRL's tables), SciPy's
/// trim_mean(x, 0.25) for the IQM, ttest_ind(equal_var=False) and mannwhitneyu (method "auto") for the p-values.
/// Bootstrap intervals are percentile intervals drawn with our seeded xoshiro256** generator
/// (<see cref="SeededRandom"/>), so the same data give the same interval on every machine.
/// </summary>
public static class SeedStatistics
{
    public const int BootstrapResamples = 50_000;
    public const double Confidence = 0.95;

    public static double Mean(IReadOnlyList<double> x) => x.Count == 0 ? double.NaN : x.Average();

    /// <summary>Population standard deviation (ddof 0), as CleanRL's result tables (NumPy's np.std).</summary>
    public static double Std(IReadOnlyList<double> x)
    {
        if (x.Count == 0)
        {
            return double.NaN;
        }

        var mean = x.Average();
        return Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Count);
    }

    /// <summary>Sample variance (ddof 1), used by Welch's t-test.</summary>
    public static double SampleVariance(IReadOnlyList<double> x)
    {
        if (x.Count < 2)
        {
            return double.NaN;
        }

        var mean = x.Average();
        return x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1);
    }

    public static double Median(IReadOnlyList<double> x) => Quantile(Sorted(x), 0.5);

    /// <summary>Interquartile mean: drop floor(n/4) values at each end of the sorted seeds, average the rest (SciPy's trim_mean(x, 0.25)).</summary>
    public static double InterquartileMean(IReadOnlyList<double> x)
    {
        if (x.Count == 0)
        {
            return double.NaN;
        }

        var sorted = Sorted(x);
        return TrimmedMeanOfSorted(sorted);
    }

    private static double TrimmedMeanOfSorted(double[] sorted)
    {
        var cut = sorted.Length / 4;
        double sum = 0;
        for (var i = cut; i < sorted.Length - cut; i++)
        {
            sum += sorted[i];
        }

        return sum / (sorted.Length - 2 * cut);
    }

    /// <summary>
    /// IQM with a 95% percentile bootstrap interval: resample the seeds with replacement <paramref name="resamples"/>
    /// times (per environment this is the stratified bootstrap of Agarwal et al. 2021, whose strata are the tasks).
    /// </summary>
    public static Interval InterquartileMeanInterval(IReadOnlyList<double> x, long seed, int resamples = BootstrapResamples)
    {
        var estimate = InterquartileMean(x);
        if (x.Count == 0)
        {
            return new Interval(double.NaN, double.NaN, double.NaN);
        }

        var random = new SeededRandom(seed);
        var draws = new double[resamples];
        var sample = new double[x.Count];
        for (var b = 0; b < resamples; b++)
        {
            for (var i = 0; i < sample.Length; i++)
            {
                sample[i] = x[random.Next(x.Count)];
            }

            Array.Sort(sample);
            draws[b] = TrimmedMeanOfSorted(sample);
        }
        return PercentileInterval(estimate, draws);
    }

    /// <summary>
    /// Our mean minus the baseline's, with a 95% percentile bootstrap interval: each resample draws our seeds and the
    /// baseline's seeds with replacement, each group on its own (stratified by group), ours first.
    /// </summary>
    public static Interval DifferenceOfMeans(IReadOnlyList<double> ours, IReadOnlyList<double> baseline, long seed, int resamples = BootstrapResamples)
    {
        if (ours.Count == 0 || baseline.Count == 0)
        {
            return new Interval(double.NaN, double.NaN, double.NaN);
        }

        var random = new SeededRandom(seed);
        var draws = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            draws[b] = ResampledMean(ours, random) - ResampledMean(baseline, random);
        }

        return PercentileInterval(Mean(ours) - Mean(baseline), draws);
    }

    private static double ResampledMean(IReadOnlyList<double> x, SeededRandom random)
    {
        double sum = 0;
        for (var i = 0; i < x.Count; i++)
        {
            sum += x[random.Next(x.Count)];
        }

        return sum / x.Count;
    }

    private static Interval PercentileInterval(double estimate, double[] draws)
    {
        Array.Sort(draws);
        var tail = (1 - Confidence) / 2;
        return new Interval(estimate, Quantile(draws, tail), Quantile(draws, 1 - tail));
    }

    /// <summary>Quantile of sorted values with linear interpolation between order statistics (NumPy's default).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var h = (sorted.Length - 1) * q;
        var below = (int)Math.Floor(h);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
    }

    /// <summary>Two-sided p-value of Welch's t-test (unequal variances); NaN when a group has fewer than 2 seeds or both have no spread.</summary>
    public static double WelchTTestP(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2 || b.Count < 2)
        {
            return double.NaN;
        }

        double va = SampleVariance(a) / a.Count, vb = SampleVariance(b) / b.Count;
        if (va + vb == 0)
        {
            return double.NaN;
        }

        var t = (Mean(a) - Mean(b)) / Math.Sqrt(va + vb);
        var df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        return 2 * (1 - StudentT.CDF(0, 1, df, Math.Abs(t)));
    }

    /// <summary>
    /// Two-sided p-value of the Mann-Whitney U test, chosen as SciPy's method "auto" does: the exact distribution when
    /// a group has at most 8 seeds and no value is tied, otherwise the normal approximation with the tie correction and
    /// the continuity correction. NaN when a group is empty or every value is the same.
    /// </summary>
    public static double MannWhitneyUP(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n1 = a.Count, n2 = b.Count;
        if (n1 == 0 || n2 == 0)
        {
            return double.NaN;
        }

        var all = a.Concat(b).ToArray();
        var ranks = MidRanks(all);
        var u1 = ranks.Take(n1).Sum() - n1 * (n1 + 1) / 2.0;
        var u = Math.Max(u1, (double)n1 * n2 - u1);
        var tied = all.Distinct().Count() != all.Length;

        if ((n1 <= 8 || n2 <= 8) && !tied)
        {
            return Math.Min(1, 2 * ExactUAtLeast((int)Math.Round(u), n1, n2));
        }

        var n = n1 + n2;
        var tieTerm = all.GroupBy(v => v).Sum(g => Math.Pow(g.Count(), 3) - g.Count());
        var sigma = Math.Sqrt(n1 * (double)n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1.0))));
        if (sigma == 0)
        {
            return double.NaN;
        }

        var z = (u - n1 * (double)n2 / 2 - 0.5) / sigma;
        return Math.Clamp(2 * (1 - Normal.CDF(0, 1, z)), 0, 1);
    }

    /// <summary>P(U >= u) when all arrangements of n1 and n2 untied values are equally likely, by counting them.</summary>
    private static double ExactUAtLeast(int u, int n1, int n2)
    {
        // counts[i, j][k]: arrangements of i values of the first group and j of the second with U = k.
        var counts = new double[n1 + 1, n2 + 1][];
        for (var i = 0; i <= n1; i++)
        {
            for (var j = 0; j <= n2; j++)
            {
                var c = new double[i * j + 1];
                if (i == 0 || j == 0)
                {
                    c[0] = 1;
                }
                else
                {
                    // The largest value belongs to the first group (it beats all j of the second) or to the second.
                    var withFirst = counts[i - 1, j];
                    for (var k = 0; k < withFirst.Length; k++)
                    {
                        c[k + j] += withFirst[k];
                    }

                    var withSecond = counts[i, j - 1];
                    for (var k = 0; k < withSecond.Length; k++)
                    {
                        c[k] += withSecond[k];
                    }
                }
                counts[i, j] = c;
            }
        }

        var all = counts[n1, n2];
        return all.Skip(u).Sum() / all.Sum();
    }

    private static double[] MidRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            var rank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }

            start = end + 1;
        }
        return ranks;
    }

    private static double[] Sorted(IReadOnlyList<double> x)
    {
        var sorted = x.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>A bootstrap seed that depends only on the environment and the statistic, so adding an environment changes no other interval.</summary>
    public static long StableSeed(string envId, string statistic)
    {
        ulong hash = 14695981039346656037UL; // FNV-1a, 64 bit
        foreach (var c in $"{envId}|{statistic}")
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
