using System.Runtime.InteropServices;
using DqnBridge.Agent.Replay;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Replay;

/// <summary>The sum tree's draws, and prioritized replay's priorities, stratified draws and importance weights, worked by hand.</summary>
[TestClass]
public sealed class PrioritizedReplayTests
{
    private static readonly BoxSpace Space = BoxSpace.Uniform([1], ElementType.Float32, -1000, 1000);

    private static byte[] Obs(float value) => MemoryMarshal.AsBytes(new[] { value }.AsSpan()).ToArray();

    private static PrioritizedReplay WithTransitions(int capacity, int transitions, double alpha, double epsilon)
    {
        var buffer = new PrioritizedReplay(new ReplayBuffer(capacity, Space, envCount: 1, new NStepReturns(1, 0.99)), alpha, epsilon);
        for (int i = 0; i < transitions; i++)
        {
            buffer.Add(0, Obs(i), Obs(i + 1), action: 0, reward: i, terminated: false, truncated: false);
        }
        return buffer;
    }

    private sealed class Batch(int rows)
    {
        public float[] Rewards { get; } = new float[rows];
        public float[] Weights { get; } = new float[rows];
        public int[] Slots { get; } = new int[rows];
        public ReplayBatch View => new(new byte[Rows * 4], new byte[Rows * 4], new long[Rows], Rewards, new float[Rows], new float[Rows], Weights, Slots);
        private int Rows => Rewards.Length;
    }

    [TestMethod]
    public void SumTreeDrawsEachSlotInProportionToItsPriority()
    {
        double[] priorities = [1, 2, 3, 4, 0, 10];
        var tree = new SumTree(priorities.Length);
        for (int slot = 0; slot < priorities.Length; slot++)
        {
            tree.Set(slot, priorities[slot]);
        }
        Assert.AreEqual(20, tree.Total);
        Assert.AreEqual(5, tree.PositiveCount);

        const int draws = 200_000;
        var counts = new int[priorities.Length];
        var random = new SeededRandom(42);
        for (int i = 0; i < draws; i++)
        {
            counts[tree.Find(random.NextDouble() * tree.Total)]++;
        }
        Assert.AreEqual(0, counts[4], "a slot of priority 0 is never drawn");
        double chiSquare = 0;
        for (int slot = 0; slot < priorities.Length; slot++)
        {
            double expected = draws * priorities[slot] / 20;
            if (expected > 0)
            {
                chiSquare += (counts[slot] - expected) * (counts[slot] - expected) / expected;
            }
        }
        // 4 degrees of freedom: P(chi-square > 18.47) = 0.001 for a correct sampler; the seed is fixed, so this is one fixed value.
        Assert.IsLessThan(18.47, chiSquare, $"counts {string.Join(", ", counts)}");
    }

    [TestMethod]
    public void SumTreeNeverFindsAZeroSlotEvenPastTheEnd()
    {
        var tree = new SumTree(5);
        tree.Set(1, 0.1);
        tree.Set(2, 0.2);
        Assert.AreEqual(1, tree.Find(0));
        Assert.AreEqual(1, tree.Find(0.0999));
        Assert.AreEqual(2, tree.Find(0.1));
        Assert.AreEqual(2, tree.Find(tree.Total));
        Assert.AreEqual(2, tree.Find(tree.Total * 2));
        tree.Set(2, 0);
        Assert.AreEqual(1, tree.Find(0.25));
    }

    [TestMethod]
    public void SumTreeSavedAndLoadedIsTheSameTree()
    {
        var tree = new SumTree(7);
        var random = new SeededRandom(3);
        for (int i = 0; i < 50; i++)
        {
            tree.Set(random.Next(7), random.NextDouble());
        }
        var copy = new SumTree(7);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            tree.Save(writer);
        }
        stream.Position = 0;
        copy.Load(new BinaryReader(stream));
        Assert.AreEqual(tree.Total, copy.Total);
        Assert.AreEqual(tree.PositiveCount, copy.PositiveCount);
        for (int i = 0; i < 100; i++)
        {
            double value = i / 100.0 * tree.Total;
            Assert.AreEqual(tree.Find(value), copy.Find(value));
        }
    }

    [TestMethod]
    public void NewTransitionsEnterAtTheLargestPrioritySeen()
    {
        using var buffer = WithTransitions(capacity: 8, transitions: 3, alpha: 0.5, epsilon: 0.25);
        CollectionAssert.AreEqual(new double[] { 1, 1, 1, 0 }, Enumerable.Range(0, 4).Select(s => buffer.Tree[s]).ToArray(), "1 before any update");

        buffer.UpdatePriorities([0, 1], [3.75f, 0.75f]); // p = (|delta| + 0.25)^0.5: 2 and 1
        Assert.AreEqual(2, buffer.Tree[0]);
        Assert.AreEqual(1, buffer.Tree[1]);
        Assert.AreEqual(4, buffer.MaxPriority, "|delta| + epsilon, before alpha");

        buffer.Add(0, Obs(9), Obs(10), 0, 0, false, false);
        Assert.AreEqual(2, buffer.Tree[3], "the new transition enters at the largest priority, 4^0.5");
        buffer.UpdatePriorities([0], [0.75f]); // the maximum is the largest ever seen, not the current one
        buffer.Add(0, Obs(10), Obs(11), 0, 0, false, false);
        Assert.AreEqual(2, buffer.Tree[4]);
        Assert.AreEqual((1 + 1 + 1 + 2 + 2) / 5.0, buffer.MeanPriority);
    }

    [TestMethod]
    public void EqualPrioritiesGiveOneDrawPerSegmentWithWeightOne()
    {
        using var buffer = WithTransitions(capacity: 4, transitions: 4, alpha: 0.6, epsilon: 1e-6);
        var batch = new Batch(4);
        buffer.Sample(new SeededRandom(1), batch.View);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3 }, batch.Slots, "segment i of [0, total) holds slot i alone");
        CollectionAssert.AreEqual(new float[] { 0, 1, 2, 3 }, batch.Rewards, "each row holds its slot's transition");
        CollectionAssert.AreEqual(new float[] { 1, 1, 1, 1 }, batch.Weights);
    }

    [TestMethod]
    public void ImportanceWeightsAreNormalisedByTheBatchsLargest()
    {
        // alpha 1, epsilon 0.5: |delta| 0.5 and 3.5 give priorities 1 and 4, P = 0.2 and 0.8. Five segments of width 1:
        // the first lands on slot 0, the other four on slot 1. w = (N P)^-beta / max w = (p_min / p)^beta: 1 and 0.5 for beta 0.5.
        using var buffer = WithTransitions(capacity: 2, transitions: 2, alpha: 1, epsilon: 0.5);
        buffer.UpdatePriorities([0, 1], [0.5f, 3.5f]);
        buffer.Beta = 0.5;
        var batch = new Batch(5);
        buffer.Sample(new SeededRandom(7), batch.View);
        CollectionAssert.AreEqual(new[] { 0, 1, 1, 1, 1 }, batch.Slots);
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 0.5f, 0.5f, 0.5f }, batch.Weights);

        buffer.Beta = 1;
        buffer.Sample(new SeededRandom(7), batch.View);
        CollectionAssert.AreEqual(new[] { 1f, 0.25f, 0.25f, 0.25f, 0.25f }, batch.Weights);
    }

    [TestMethod]
    public void StratifiedDrawsFollowThePriorities()
    {
        // Priorities 1, 2, 3, 4 (alpha 1): over many batches of 8, each slot's share of the draws is its priority / 10.
        using var buffer = WithTransitions(capacity: 4, transitions: 4, alpha: 1, epsilon: 1e-9);
        buffer.UpdatePriorities([0, 1, 2, 3], [1f, 2f, 3f, 4f]);
        var counts = new int[4];
        var batch = new Batch(8);
        var random = new SeededRandom(9);
        for (int i = 0; i < 5000; i++)
        {
            buffer.Sample(random, batch.View);
            foreach (int slot in batch.Slots)
            {
                counts[slot]++;
            }
        }
        for (int slot = 0; slot < 4; slot++)
        {
            double share = counts[slot] / 40_000.0;
            Assert.AreEqual((slot + 1) / 10.0, share, 0.005, $"slot {slot}: counts {string.Join(", ", counts)}");
        }
    }

    [TestMethod]
    public void BetaAnnealsLinearlyToOneOverTraining()
    {
        Assert.AreEqual(0.4, PrioritizedReplay.AnnealedBeta(0.4, 0, 1000));
        Assert.AreEqual(0.7, PrioritizedReplay.AnnealedBeta(0.4, 500, 1000), 1e-12);
        Assert.AreEqual(1.0, PrioritizedReplay.AnnealedBeta(0.4, 1000, 1000));
    }
}
