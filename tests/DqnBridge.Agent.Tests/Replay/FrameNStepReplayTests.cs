using DqnBridge.Agent.Replay;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Replay;

/// <summary>
/// n-step returns read from the frame-deduplicated buffer, with the hand-worked numbers of <see cref="NStepReplayTests"/>
/// (gamma 0.5, rewards 1..5), and prioritized replay over it: only complete transitions can be drawn.
/// </summary>
[TestClass]
public sealed class FrameNStepReplayTests
{
    // Frames are 2x2; every byte of a frame holds its label, so a stack reads as its labels.
    private const int Stack = 4;
    private const int FrameBytes = 4;
    private static readonly NStepReturns ThreeSteps = new(3, 0.5);

    private static byte[] StackOf(IEnumerable<byte> labels) => labels.SelectMany(label => Enumerable.Repeat(label, FrameBytes)).ToArray();

    private static byte[] Labels(ReadOnlySpan<byte> stacked)
    {
        var labels = new byte[stacked.Length / FrameBytes];
        for (int f = 0; f < labels.Length; f++)
        {
            labels[f] = stacked[f * FrameBytes];
        }
        return labels;
    }

    /// <summary>Steps <paramref name="steps"/> of an episode whose frames are labelled first, first + 1, ...; reward t + 1; the last step ends it as asked.</summary>
    private static void Play(IReplayBuffer buffer, byte first, int steps, bool? endsTerminated)
    {
        var window = new Queue<byte>(Enumerable.Repeat(first, Stack));
        for (int t = 0; t < steps; t++)
        {
            byte[] observation = StackOf(window);
            window.Dequeue();
            window.Enqueue((byte)(first + t + 1));
            bool last = t == steps - 1;
            buffer.Add(0, observation, StackOf(window), action: t, reward: t + 1,
                terminated: last && endsTerminated == true, truncated: last && endsTerminated == false);
        }
    }

    private sealed record Row(string Obs, string Next, float Reward, float Done, float Discount);

    private static List<Row> Sample(IReplayBuffer buffer, int rows)
    {
        int bytes = Stack * FrameBytes;
        var observations = new byte[rows * bytes];
        var next = new byte[rows * bytes];
        var rewards = new float[rows];
        var dones = new float[rows];
        var discounts = new float[rows];
        buffer.Sample(new SeededRandom(5), new ReplayBatch(observations, next, new long[rows], rewards, dones, discounts, new float[rows], new int[rows]));
        return Enumerable.Range(0, rows)
            .Select(r => new Row(
                string.Join(",", Labels(observations.AsSpan(r * bytes, bytes))), string.Join(",", Labels(next.AsSpan(r * bytes, bytes))),
                rewards[r], dones[r], discounts[r]))
            .ToList();
    }

    private static readonly Row[] TerminatedEpisode =
    [
        new("10,10,10,10", "10,11,12,13", 2.75f, 0, 0.125f),
        new("10,10,10,11", "11,12,13,14", 4.5f, 0, 0.125f),
        new("10,10,11,12", "12,13,14,15", 6.25f, 1, 0.125f),
        new("10,11,12,13", "12,13,14,15", 6.5f, 1, 0.25f),
        new("11,12,13,14", "12,13,14,15", 5f, 1, 0.5f),
    ];

    [TestMethod]
    public void ReturnsStopAtATerminationAndStepsNotYetTakenAreNotDrawn()
    {
        using var buffer = new FrameReplayBuffer(64, [Stack, 2, 2], envCount: 1, ThreeSteps);
        Play(buffer, first: 10, steps: 5, endsTerminated: true);
        Play(buffer, first: 100, steps: 2, endsTerminated: null); // goes on: its 2 transitions lack a third step
        var drawn = Sample(buffer, 500).Distinct().OrderBy(r => r.Obs, StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(TerminatedEpisode, drawn);
    }

    [TestMethod]
    public void ReturnsAcrossATruncationBootstrapFromItsFinalFrame()
    {
        using var buffer = new FrameReplayBuffer(64, [Stack, 2, 2], envCount: 1, ThreeSteps);
        Play(buffer, first: 10, steps: 5, endsTerminated: false);
        Play(buffer, first: 100, steps: 3, endsTerminated: null);
        var drawn = Sample(buffer, 500).Distinct().OrderBy(r => r.Obs, StringComparer.Ordinal).ToArray();
        var expected = TerminatedEpisode.Select(r => r with { Done = 0 })
            .Append(new Row("100,100,100,100", "100,101,102,103", 2.75f, 0, 0.125f))
            .OrderBy(r => r.Obs, StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(expected, drawn);
    }

    [TestMethod]
    public void PrioritizedReplayOverFramesDrawsOnlyCompleteTransitions()
    {
        using var buffer = new PrioritizedReplay(new FrameReplayBuffer(64, [Stack, 2, 2], envCount: 1, ThreeSteps), alpha: 0.6, epsilon: 1e-6);
        Play(buffer, first: 10, steps: 5, endsTerminated: true);
        Play(buffer, first: 100, steps: 2, endsTerminated: null);
        Assert.AreEqual(5, buffer.Tree.PositiveCount, "the finished episode's 5 transitions; the current one's 2 wait for their third step");
        var drawn = Sample(buffer, 64).Distinct().OrderBy(r => r.Obs, StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(TerminatedEpisode, drawn);
    }

    [TestMethod]
    public void EnvironmentsResetMidEpisodeEndTheEpisodeAtItsLastFrame()
    {
        using var buffer = new PrioritizedReplay(new FrameReplayBuffer(64, [Stack, 2, 2], envCount: 1, ThreeSteps), alpha: 0.6, epsilon: 1e-6);
        Play(buffer, first: 10, steps: 2, endsTerminated: null);
        Assert.AreEqual(0, buffer.Tree.PositiveCount, "2 steps of 3");
        buffer.TruncateEpisodes(StackOf([10, 10, 11, 12]));
        Assert.AreEqual(2, buffer.Tree.PositiveCount, "the interrupted episode's steps are complete: it ended at its last frame");
        Play(buffer, first: 100, steps: 3, endsTerminated: null); // a fresh episode, not a continuation
        var drawn = Sample(buffer, 64).Distinct().OrderBy(r => r.Obs, StringComparer.Ordinal).ToArray();
        var expected = new[]
        {
            new Row("10,10,10,10", "10,10,11,12", 1 + 0.5f * 2, 0, 0.25f),
            new Row("10,10,10,11", "10,10,11,12", 2, 0, 0.5f),
            new Row("100,100,100,100", "100,101,102,103", 2.75f, 0, 0.125f),
        }.OrderBy(r => r.Obs, StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(expected, drawn);
    }

    [TestMethod]
    public void PrioritizedReplayOverFramesDropsTransitionsWhoseFramesAreOverwritten()
    {
        // 12 slots: an episode of 10 steps takes 11 (its final frame); the next episode's frames overwrite its start.
        using var buffer = new PrioritizedReplay(new FrameReplayBuffer(12, [Stack, 2, 2], envCount: 1, ThreeSteps), alpha: 0.6, epsilon: 1e-6);
        Play(buffer, first: 10, steps: 10, endsTerminated: true);
        Assert.AreEqual(10, buffer.Tree.PositiveCount);
        Play(buffer, first: 100, steps: 3, endsTerminated: null);
        // 4 slots written (11, then 0, 1, 2 over the old episode): transitions 0, 1 and 2 are gone, and 3, 4 and 5
        // lost a frame of their stacks; the new episode's first transition has its 3 steps.
        Assert.AreEqual(10 - 6 + 1, buffer.Tree.PositiveCount);
        var drawn = Sample(buffer, 200).Select(r => r.Obs).Distinct().Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "100,100,100,100", "13,14,15,16", "14,15,16,17", "15,16,17,18", "16,17,18,19" }, drawn);
    }
}
