using DqnBridge.Agent.Replay;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Replay;

/// <summary>
/// BeginStep and UndoStep, which let the trainer take back a step that failed after storing some of its transitions:
/// the buffer's saved bytes after an undo equal those before the step, also when the step overwrote the oldest
/// transitions of a full buffer, ended episodes, or stored only some of its environments' transitions.
/// </summary>
[TestClass]
public sealed class ReplayUndoTests
{
    private static byte[] Saved(IReplayBuffer buffer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            buffer.Save(writer);
        }
        return stream.ToArray();
    }

    /// <summary>Step <paramref name="t"/> of <paramref name="envs"/> envs: observations labelled by step and env, episodes of 7 steps.</summary>
    private static void AddStep(IReplayBuffer buffer, int t, int envs, Func<int, int, byte[]> observation, int storeOnly = int.MaxValue)
    {
        for (int i = 0; i < Math.Min(envs, storeOnly); i++)
        {
            bool ends = (t + i) % 7 == 6;
            buffer.Add(i, observation(t, i), observation(t + 1, i), action: (t + i) % 2, reward: t, terminated: ends && i == 0, truncated: ends && i != 0);
        }
    }

    /// <summary>
    /// Prioritized replay: after step <paramref name="t"/>'s transitions, the write-back of an update's |TD errors| to two
    /// slots, growing the max priority that later transitions enter with.
    /// </summary>
    private static void WriteBackPriorities(IReplayBuffer buffer, int t)
    {
        if (buffer is PrioritizedReplay prioritized)
        {
            prioritized.UpdatePriorities([t % buffer.SlotCount, (3 * t + 1) % buffer.SlotCount], [t * 0.1f, 2f + t]);
        }
    }

    private static void AssertUndoRestores(IReplayBuffer buffer, int envs, Func<int, int, byte[]> observation, Func<IReplayBuffer> create)
    {
        for (int t = 0; t < 50; t++)
        {
            buffer.BeginStep();
            AddStep(buffer, t, envs, observation);
            WriteBackPriorities(buffer, t);
        }
        byte[] before = Saved(buffer);

        // A whole step taken back, then a step whose second env's transition was never stored.
        buffer.BeginStep();
        AddStep(buffer, 50, envs, observation);
        WriteBackPriorities(buffer, 50);
        buffer.UndoStep();
        CollectionAssert.AreEqual(before, Saved(buffer), "a whole step taken back");
        buffer.BeginStep();
        AddStep(buffer, 50, envs, observation, storeOnly: 1);
        buffer.UndoStep();
        CollectionAssert.AreEqual(before, Saved(buffer), "a half-stored step taken back");

        // Taking the step again gives what it gave the first time.
        buffer.BeginStep();
        AddStep(buffer, 50, envs, observation);
        WriteBackPriorities(buffer, 50);
        byte[] retaken = Saved(buffer);
        using var reference = create();
        for (int t = 0; t <= 50; t++)
        {
            AddStep(reference, t, envs, observation);
            WriteBackPriorities(reference, t);
        }
        CollectionAssert.AreEqual(Saved(reference), retaken, "the step taken again after an undo");
    }

    private static ReplayBuffer VectorBuffer(int nStep) =>
        new(20, BoxSpace.Uniform([3], ElementType.Float32, -100, 100), envCount: 2, new NStepReturns(nStep, 0.99));

    private static byte[] VectorObservation(int t, int i) => [.. new float[] { t, i, t * 10 + i }.SelectMany(BitConverter.GetBytes)];

    private static FrameReplayBuffer FrameBuffer(int nStep) => new(32, [4, 2, 2], envCount: 2, new NStepReturns(nStep, 0.99));

    /// <summary>
    /// A stack of 4 frames of 2x2 bytes; its newest frame is labelled by step and env, older ones by earlier steps (an
    /// episode's first stack repeats its first frame, as the frame-stack wrapper pads it).
    /// </summary>
    private static byte[] FrameObservation(int t, int i)
    {
        int start = Math.Max(0, t - (t + i) % 7);
        return [.. Enumerable.Range(0, 4).SelectMany(f => Enumerable.Repeat((byte)(Math.Max(start, t - 3 + f) * 2 + i), 4))];
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3, DisplayName = "3-step returns (the n-step queues are taken back too)")]
    public void ReplayBufferUndoRestoresAFullBuffer(int nStep)
    {
        using var buffer = VectorBuffer(nStep);
        AssertUndoRestores(buffer, envs: 2, VectorObservation, () => VectorBuffer(nStep));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void FrameReplayBufferUndoRestoresAFullBuffer(int nStep)
    {
        using var buffer = FrameBuffer(nStep);
        AssertUndoRestores(buffer, envs: 2, FrameObservation, () => FrameBuffer(nStep));
    }

    /// <summary>The sum tree's priorities (new transitions', removed ones' and written-back ones') and the max priority are taken back with the buffer underneath.</summary>
    [TestMethod]
    [DataRow(false, 1)]
    [DataRow(false, 3)]
    [DataRow(true, 1)]
    [DataRow(true, 3)]
    public void PrioritizedReplayUndoRestoresPrioritiesAndTheBufferUnderneath(bool frames, int nStep)
    {
        IReplayBuffer Create() => new PrioritizedReplay(frames ? FrameBuffer(nStep) : VectorBuffer(nStep), alpha: 0.6, epsilon: 1e-6);
        using var buffer = Create();
        AssertUndoRestores(buffer, envs: 2, frames ? FrameObservation : VectorObservation, Create);
    }
}
