using DqnBridge.Agent.Replay;
using DqnBridge.Envs;
namespace DqnBridge.Agent.Tests.Replay;

[TestClass]
public sealed class FrameReplayBufferTests
{
    // Frames are 2x2; every byte of a frame holds its label, so a stack reads as its labels.
    private const int Stack = 4;
    private const int FrameBytes = 4;

    private static byte[] StackOf(params byte[] labels) => labels.SelectMany(label => Enumerable.Repeat(label, FrameBytes)).ToArray();

    private static byte[] Labels(ReadOnlySpan<byte> stacked)
    {
        var labels = new byte[stacked.Length / FrameBytes];
        for (int f = 0; f < labels.Length; f++)
        {
            labels[f] = stacked[f * FrameBytes];
        }
        return labels;
    }

    /// <summary>Plays an episode through the buffer as a frame-stack wrapper would show it, padding the reset with copies.</summary>
    private static void AddEpisode(FrameReplayBuffer buffer, byte first, int length, bool truncated)
    {
        var window = new Queue<byte>(Enumerable.Repeat(first, Stack));
        for (int t = 0; t < length; t++)
        {
            byte[] observation = StackOf(window.ToArray());
            window.Dequeue();
            window.Enqueue((byte)(first + t + 1));
            bool last = t == length - 1;
            buffer.Add(0, observation, StackOf(window.ToArray()), action: first + t, reward: t, terminated: last && !truncated, truncated: last && truncated);
        }
    }

    private static List<(byte[] Obs, byte[] Next, long Action, float Done)> SampleMany(FrameReplayBuffer buffer, int rows)
    {
        int bytes = Stack * FrameBytes;
        var observations = new byte[rows * bytes];
        var next = new byte[rows * bytes];
        var actions = new long[rows];
        var dones = new float[rows];
        buffer.Sample(new SeededRandom(11), new ReplayBatch(observations, next, actions, new float[rows], dones, new float[rows], new float[rows], new int[rows]));
        return Enumerable.Range(0, rows)
            .Select(r => (Labels(observations.AsSpan(r * bytes, bytes)), Labels(next.AsSpan(r * bytes, bytes)), actions[r], dones[r]))
            .ToList();
    }

    [TestMethod]
    public void RebuildsStacksAcrossEpisodeStartsWithTheTrueFinalFrame()
    {
        using var buffer = new FrameReplayBuffer(64, [Stack, 2, 2]);
        AddEpisode(buffer, first: 10, length: 3, truncated: true);
        AddEpisode(buffer, first: 100, length: 6, truncated: false);
        Assert.AreEqual(9, buffer.Count);

        var rows = SampleMany(buffer, 300);
        foreach (var (obs, next, action, done) in rows)
        {
            // The action names the episode's first frame plus the step, so the expected stacks follow from it.
            byte first = action >= 100 ? (byte)100 : (byte)10;
            int t = (int)action - first;
            byte[] expected = Enumerable.Range(t - 3, 4).Select(k => (byte)(first + Math.Max(k, 0))).ToArray();
            byte[] expectedNext = Enumerable.Range(t - 2, 4).Select(k => (byte)(first + Math.Max(k, 0))).ToArray();
            CollectionAssert.AreEqual(expected, obs, $"observation of action {action}");
            CollectionAssert.AreEqual(expectedNext, next, $"next observation of action {action}");
            bool lastOfSecond = action == 105;
            Assert.AreEqual(lastOfSecond ? 1f : 0f, done);
        }
        Assert.IsTrue(rows.Any(r => r.Action == 12), "the truncated transition is sampled");
        CollectionAssert.AreEqual(new byte[] { 10, 11, 12, 13 }, rows.First(r => r.Action == 12).Next);
    }

    [TestMethod]
    public void AfterWrapAroundNeverSamplesOverwrittenHistory()
    {
        using var buffer = new FrameReplayBuffer(16, [Stack, 2, 2]);
        AddEpisode(buffer, first: 1, length: 40, truncated: true);
        foreach (var (obs, next, action, _) in SampleMany(buffer, 500))
        {
            int t = (int)action - 1;
            byte[] expected = Enumerable.Range(t - 3, 4).Select(k => (byte)(1 + Math.Max(k, 0))).ToArray();
            CollectionAssert.AreEqual(expected, obs, $"observation of action {action}");
            Assert.AreEqual((byte)(action + 1), next[^1]);
        }
    }

    [TestMethod]
    public void RejectsAStackThatIsNeitherRepeatedNorZeroPadded()
    {
        using var buffer = new FrameReplayBuffer(16, [Stack, 2, 2]);
        Assert.ThrowsExactly<InvalidOperationException>(() =>
            buffer.Add(0, StackOf(1, 2, 3, 4), StackOf(2, 3, 4, 5), 0, 0, false, false));
    }

    [TestMethod]
    public void OneMillionAtariTransitionsFitInTheMemoryBudget()
    {
        // Allocation is lazy on Linux, so building the real size costs nothing until frames are written.
        using var buffer = new FrameReplayBuffer(1_000_000, [4, 84, 84]);
        Assert.IsLessThanOrEqualTo(7_100_000_000L, buffer.MemoryBytes);
        Assert.IsGreaterThanOrEqualTo(1_000_000L * 84 * 84, buffer.MemoryBytes);
    }
}
