using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The running last-100 mean, the first step at which it reaches a threshold, and the statistics across seeds, on
/// hand-made episodes whose answers are worked out in the comments.
/// </summary>
[TestClass]
public sealed class StepsToReachTests
{
    /// <summary>Episode i (1-based) ends at global step 10 * i with the given return.</summary>
    internal static List<(long Step, double Return)> Episodes(IEnumerable<double> returns) =>
        [.. returns.Select((r, i) => (10L * (i + 1), r))];

    [TestMethod]
    public void TheRunningMeanStartsAtTheHundredthEpisodeAndSlides()
    {
        // Returns 1, 2, ..., 150: after episode k >= 100 the window is k-99..k, whose mean is k - 49.5.
        var means = RunningReturn.Means([.. Enumerable.Range(1, 150).Select(i => (double)i)]);

        Assert.IsTrue(means.Take(99).All(double.IsNaN), "undefined before 100 episodes have ended");
        Assert.AreEqual(50.5, means[99]);
        Assert.AreEqual(51.5, means[100]);
        Assert.AreEqual(100.5, means[149]);
    }

    [TestMethod]
    public void StepsToReachIsTheEndOfTheFirstEpisodeWhoseWindowMeanIsAtLeastTheThreshold()
    {
        // 100 episodes of 0, then 100 of 100: after episode k the mean is (k - 100) * 100 / 100 = k - 100, so it first
        // reaches 20 after episode 120, which ends at step 1,200; exactly 20 counts as reached.
        var episodes = Episodes([.. Enumerable.Repeat(0.0, 100), .. Enumerable.Repeat(100.0, 100)]);

        Assert.AreEqual(1_200L, RunningReturn.FirstStepReaching(episodes, 20));
        Assert.AreEqual(1_200L, RunningReturn.FirstStepReaching(episodes, 19.5), "19.5 is first passed at k = 120 too");
        Assert.AreEqual(1_000L, RunningReturn.FirstStepReaching(episodes, 0), "reached at the 100th episode, the first with a mean");
        Assert.AreEqual(2_000L, RunningReturn.FirstStepReaching(episodes, 100), "the last episode is the first with a mean of 100");
        Assert.IsNull(RunningReturn.FirstStepReaching(episodes, 100.01));
    }

    [TestMethod]
    public void LuckyFirstEpisodesCountForNothingBeforeTheWindowIsFull()
    {
        // 10 episodes of 500, then 190 of 0: a mean over the episodes so far would pass 400 after the first episode;
        // the full window's first mean (after episode 100) is 5,000 / 100 = 50, and it only falls after that.
        var episodes = Episodes([.. Enumerable.Repeat(500.0, 10), .. Enumerable.Repeat(0.0, 190)]);

        Assert.AreEqual(1_000L, RunningReturn.FirstStepReaching(episodes, 50));
        Assert.IsNull(RunningReturn.FirstStepReaching(episodes, 50.5));
        Assert.IsNull(RunningReturn.FirstStepReaching(Episodes(Enumerable.Repeat(500.0, 99)), 1), "fewer than 100 episodes never reach");
    }

    [TestMethod]
    public void ASeedReachesItsOwnFinalReturnExactly()
    {
        // Returns that are not exact in binary (tenths): the last running mean must equal result.csv's figure,
        // TakeLast(100).Average(), to the bit, so a threshold equal to it is reached at the last episode or before.
        double[] returns = [.. Enumerable.Range(0, 333).Select(i => ((i * 37) % 101) / 10.0)];
        var final = returns.TakeLast(100).Average();

        Assert.AreEqual(final, RunningReturn.Means(returns)[^1]);
        Assert.IsNotNull(RunningReturn.FirstStepReaching(Episodes(returns), final));
    }

    [TestMethod]
    public void TheMedianCountsSeedsThatNeverReachedAsLaterThanEveryStep()
    {
        // Sorted: 100, 200, 300, 500, never -> median 300; no mean, one seed never reached.
        Assert.AreEqual(new ReachStatistics(5, 4, 300, null), ReachStatistics.Of([100, 300, null, 200, 500]));
        // All reached: the mean is defined.
        Assert.AreEqual(new ReachStatistics(4, 4, 250, 250), ReachStatistics.Of([100, 200, 300, 400]));
        // Even count: the mean of the two middle ones, 300 and 400, the never-reached pair being last.
        Assert.AreEqual(new ReachStatistics(6, 4, 350, null), ReachStatistics.Of([400, null, 100, 300, null, 200]));
        // A middle value that never came: not reached.
        Assert.AreEqual(new ReachStatistics(4, 2, null, null), ReachStatistics.Of([100, 200, null, null]));
        Assert.AreEqual(new ReachStatistics(3, 1, null, null), ReachStatistics.Of([100, null, null]));
    }

    [TestMethod]
    public void TheThresholdIsTheReferencesMeanFinalReturnAndEverySeedOfBothIsMeasuredAgainstIt()
    {
        // Reference: final returns 20 and 40, so the threshold is 30. Ours: seed 1's mean is k - 100 after episode k
        // (reaches 30 at episode 130, step 1,300), seed 2 stays at 10. The reference's seed 2 is at 40 from its 100th
        // episode (step 1,000); its seed 1 never gets to 30.
        var ours = new[]
        {
            Seed("CartPole-v1", 1, [.. Enumerable.Repeat(0.0, 100), .. Enumerable.Repeat(100.0, 100)]),
            Seed("CartPole-v1", 2, Enumerable.Repeat(10.0, 200)),
        };
        var reference = new[] { Seed("CartPole-v1", 1, Enumerable.Repeat(20.0, 100)), Seed("CartPole-v1", 2, Enumerable.Repeat(40.0, 100)) };

        var env = EnvironmentReach.Of("CartPole-v1", "rainbow", "dqn", ours, reference);

        Assert.AreEqual(30, env.Threshold);
        CollectionAssert.AreEqual(new long?[] { 1_300, null }, env.Ours.Select(s => s.StepsToThreshold).ToArray());
        CollectionAssert.AreEqual(new long?[] { null, 1_000 }, env.Reference.Select(s => s.StepsToThreshold).ToArray());
        Assert.AreEqual(new ReachStatistics(2, 1, null, null), env.OursReach);
        Assert.AreEqual("rainbow", env.Ours[0].Algorithm);
        Assert.AreEqual("dqn", env.Reference[1].Algorithm);
        Assert.AreEqual(55, env.Final.Mean, "ours: finals 100 and 10");
        Assert.AreEqual(30 - 55, env.Final.BaselineMean - env.Final.Mean);
    }

    internal static (CellResult Result, List<(long Step, double Return)> Episodes) Seed(string envId, int seed, IEnumerable<double> returns)
    {
        var episodes = Episodes(returns);
        var result = new CellResult(envId, seed, episodes[^1].Step, episodes.TakeLast(100).Average(e => e.Return), episodes.Count, 1000, 1, "test", "test", "test");
        return (result, episodes);
    }
}
