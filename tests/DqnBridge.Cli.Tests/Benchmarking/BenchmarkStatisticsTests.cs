using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The benchmark's statistics against values computed independently, once, with SciPy 1.10.1 and NumPy 1.24.2
/// (Debian 12's python3-scipy and python3-numpy) and pasted here:
/// np.std / np.mean / np.median, scipy.stats.trim_mean(x, 0.25), scipy.stats.ttest_ind(a, b, equal_var=False).pvalue
/// and scipy.stats.mannwhitneyu(a, b, alternative="two-sided").pvalue (method "auto").
/// The bootstrap intervals were recomputed by a separate Python replica of the procedure: the same xoshiro256**
/// generator seeded by SplitMix64 and Lemire's bounded integers written anew in Python, scipy.stats.trim_mean on each
/// resample and np.percentile(draws, [2.5, 97.5]).
/// </summary>
[TestClass]
public sealed class BenchmarkStatisticsTests
{
    /// <summary>CleanRL dqn.py's CartPole-v1 seeds 1-30 (benchmarks/baselines/cleanrl-dqn.csv).</summary>
    private static readonly double[] CleanRl =
    [
        493.73, 499.99, 493.29, 500.00, 490.14, 500.00, 500.00, 500.00, 495.62, 490.52, 496.04, 494.40, 500.00, 500.00, 500.00,
        500.00, 435.98, 471.69, 500.00, 495.49, 474.57, 500.00, 500.00, 500.00, 500.00, 496.47, 366.63, 435.21, 499.36, 498.62,
    ];

    private static readonly double[] ThreeSeeds = [491.8, 496.1, 375.6];
    private static readonly double[] AcrobotCleanRl = [-86.66, -86.72, -91.62];
    private static readonly double[] TwelveSeeds = [403.0, 402.09, 429.18, 427.27, 434.36, 450.45, 445.55, 467.64, 473.73, 475.82, 498.91, 497.0];

    [TestMethod]
    public void PublishedDqnSummariesAccompanyTheBundledBaselineOnly()
    {
        Assert.AreEqual(488.69, Baseline.CleanRl().Published["CartPole-v1"].Mean);

        // A file baseline (e.g. CleanRL c51.py's) is not dqn.py: the dqn.py summary would mislabel it.
        var file = Baseline.Parse("env_id,seed,return\nCartPole-v1,1,500\n", "cleanrl-c51.csv", "test");
        Assert.IsEmpty(file.Published);
        CollectionAssert.AreEqual(new[] { 500.0 }, file.For("CartPole-v1").ToArray());
    }

    [TestMethod]
    public void MeanStdMedianAndIqmMatchNumPyAndSciPy()
    {
        Assert.AreEqual(487.59166666666658, SeedStatistics.Mean(CleanRl), 1e-9);
        Assert.AreEqual(27.860227575444458, SeedStatistics.Std(CleanRl), 1e-9, "np.std, ddof 0 (the issue's 28.34 is ddof 1)");
        Assert.AreEqual(28.336505282218475, Math.Sqrt(SeedStatistics.SampleVariance(CleanRl)), 1e-9, "np.std(ddof=1)");
        Assert.AreEqual(498.99, SeedStatistics.Median(CleanRl), 1e-9);
        Assert.AreEqual(497.68812500000001, SeedStatistics.InterquartileMean(CleanRl), 1e-9);
        Assert.AreEqual(454.5, SeedStatistics.InterquartileMean(ThreeSeeds), 1e-9, "three seeds: nothing is trimmed");
        Assert.AreEqual(491.8, SeedStatistics.Median(ThreeSeeds), 1e-9);
    }

    [TestMethod]
    public void WelchTTestMatchesSciPy()
    {
        Assert.AreEqual(0.49070757635256951, SeedStatistics.WelchTTestP(ThreeSeeds, CleanRl), 1e-9);
        Assert.AreEqual(0.9260143374437193, SeedStatistics.WelchTTestP(AcrobotCleanRl, [-80.5, -95.25, -101.0, -88.125, -79.0]), 1e-9);
        Assert.AreEqual(0.0029178090234182222, SeedStatistics.WelchTTestP(TwelveSeeds, CleanRl), 1e-9);
        Assert.IsTrue(double.IsNaN(SeedStatistics.WelchTTestP([500, 500], [500, 500, 500])), "no spread: no test");
    }

    [TestMethod]
    public void MannWhitneyUMatchesSciPy()
    {
        // Ties (many 500.00): the normal approximation with tie and continuity corrections.
        Assert.AreEqual(0.12887905427854196, SeedStatistics.MannWhitneyUP(ThreeSeeds, CleanRl), 1e-9);
        Assert.AreEqual(0.00031404142866456477, SeedStatistics.MannWhitneyUP(TwelveSeeds, CleanRl), 1e-9);
        // No ties and a group of at most 8: the exact distribution.
        Assert.AreEqual(1.0, SeedStatistics.MannWhitneyUP(AcrobotCleanRl, [-80.5, -95.25, -101.0, -88.125, -79.0]), 1e-12);
        Assert.AreEqual(0.035714285714285712, SeedStatistics.MannWhitneyUP(AcrobotCleanRl, [-70.5, -75.25, -72.0, -68.125, -79.0]), 1e-12);
        Assert.AreEqual(0.0043956043956043956, SeedStatistics.MannWhitneyUP(TwelveSeeds, AcrobotCleanRl), 1e-12, "2 / C(15, 3)");
    }

    [TestMethod]
    public void BootstrapIntervalsMatchTheIndependentReplica()
    {
        var iqm = SeedStatistics.InterquartileMeanInterval(CleanRl, seed: 42, resamples: 2000);
        Assert.AreEqual(497.68812500000001, iqm.Estimate, 1e-9);
        Assert.AreEqual(493.27042187500001, iqm.Lower, 1e-9);
        Assert.AreEqual(499.43174999999997, iqm.Upper, 1e-9);

        double[] seven = [491.8, 496.1, 375.6, 488.0, 500.0, 452.25, 499.5];
        var difference = SeedStatistics.DifferenceOfMeans(seven, CleanRl, seed: 7, resamples: 2000);
        Assert.AreEqual(-15.698809523809416, difference.Estimate, 1e-9);
        Assert.AreEqual(-53.054572619047676, difference.Lower, 1e-9);
        Assert.AreEqual(11.287930952380902, difference.Upper, 1e-9);
        Assert.AreEqual(Verdicts.NoDetectableDifference, Verdicts.From(difference));
    }

    [TestMethod]
    public void BootstrapIsReproducibleAndTheVerdictFollowsTheInterval()
    {
        var first = SeedStatistics.DifferenceOfMeans(ThreeSeeds, CleanRl, SeedStatistics.StableSeed("CartPole-v1", "difference"));
        var again = SeedStatistics.DifferenceOfMeans(ThreeSeeds, CleanRl, SeedStatistics.StableSeed("CartPole-v1", "difference"));
        Assert.AreEqual(first, again, "same data, same seed, same interval");

        Assert.AreEqual(Verdicts.Worse, Verdicts.From(new Interval(-5, -9, -0.1)));
        Assert.AreEqual(Verdicts.Better, Verdicts.From(new Interval(5, 0.1, 9)));
        Assert.AreEqual(Verdicts.NoDetectableDifference, Verdicts.From(new Interval(1, -0.1, 9)));
        Assert.AreEqual(Verdicts.Worse, Verdicts.From(SeedStatistics.DifferenceOfMeans([10, 11, 12], [20, 21, 22], 1)));
        var constant = SeedStatistics.InterquartileMeanInterval([500, 500, 500], 1, 100);
        Assert.AreEqual(new Interval(500, 500, 500), constant);
    }
}
