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

    private static void AssertUndoRestores(IReplayBuffer buffer, int envs, Func<int, int, byte[]> observation)
    {
        for (int t = 0; t < 50; t++)
        {
            buffer.BeginStep();
            AddStep(buffer, t, envs, observation);
        }
        byte[] before = Saved(buffer);

        // A whole step taken back, then a step whose second env's transition was never stored.
        buffer.BeginStep();
        AddStep(buffer, 50, envs, observation);
        buffer.UndoStep();
        CollectionAssert.AreEqual(before, Saved(buffer), "a whole step taken back");
        buffer.BeginStep();
        AddStep(buffer, 50, envs, observation, storeOnly: 1);
        buffer.UndoStep();
        CollectionAssert.AreEqual(before, Saved(buffer), "a half-stored step taken back");

        // Taking the step again gives what it gave the first time.
        buffer.BeginStep();
        AddStep(buffer, 50, envs, observation);
        byte[] retaken = Saved(buffer);
        using var reference = Recreate(buffer);
        for (int t = 0; t <= 50; t++)
        {
            AddStep(reference, t, envs, observation);
        }
        CollectionAssert.AreEqual(Saved(reference), retaken, "the step taken again after an undo");
    }

    private static IReplayBuffer Recreate(IReplayBuffer buffer) => buffer switch
    {
        FrameReplayBuffer => new FrameReplayBuffer(32, [4, 2, 2], envCount: 2),
        _ => new ReplayBuffer(20, BoxSpace.Uniform([3], ElementType.Float32, -100, 100)),
    };

    [TestMethod]
    public void ReplayBufferUndoRestoresAFullBuffer()
    {
        using var buffer = new ReplayBuffer(20, BoxSpace.Uniform([3], ElementType.Float32, -100, 100));
        AssertUndoRestores(buffer, envs: 2, (t, i) => [.. new float[] { t, i, t * 10 + i }.SelectMany(BitConverter.GetBytes)]);
    }

    [TestMethod]
    public void FrameReplayBufferUndoRestoresAFullBuffer()
    {
        using var buffer = new FrameReplayBuffer(32, [4, 2, 2], envCount: 2);
        // A stack of 4 frames of 2x2 bytes; its newest frame is labelled by step and env, older ones by earlier steps
        // (an episode's first stack repeats its first frame, as the frame-stack wrapper pads it).
        AssertUndoRestores(buffer, envs: 2, (t, i) =>
        {
            int start = Math.Max(0, t - (t + i) % 7);
            return [.. Enumerable.Range(0, 4).SelectMany(f => Enumerable.Repeat((byte)(Math.Max(start, t - 3 + f) * 2 + i), 4))];
        });
    }
}
