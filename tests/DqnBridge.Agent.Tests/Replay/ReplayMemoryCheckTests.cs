using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Replay;

[TestClass]
public sealed class ReplayMemoryCheckTests
{
    [TestMethod]
    [DataRow(1, false)]
    [DataRow(3, true, DisplayName = "n_step 3 (queues), prioritized replay (sum tree)")]
    public void ComputesWhatTheBuffersAllocate(int nStep, bool prioritized)
    {
        var pixels = new DqnConfig { Wrappers = EnvWrappers.Atari, BufferSize = 1003, NumEnvs = 2, NStep = nStep, PrioritizedReplay = prioritized };
        var frames = BoxSpace.Uniform([4, 84, 84], ElementType.UInt8, 0, 255);
        using (var buffer = ReplayBuffers.Create(pixels, frames))
        {
            Assert.AreEqual(buffer.MemoryBytes, ReplayMemoryCheck.RequiredBytes(pixels, frames));
        }
        var vector = new DqnConfig { BufferSize = 777, NumEnvs = 3, NStep = nStep, PrioritizedReplay = prioritized };
        var space = BoxSpace.Uniform([6], ElementType.Float32, -1, 1);
        using (var buffer = ReplayBuffers.Create(vector, space))
        {
            Assert.AreEqual(buffer.MemoryBytes, ReplayMemoryCheck.RequiredBytes(vector, space));
        }
    }

    [TestMethod]
    public void RefusesWithBothFiguresAndTheFlag()
    {
        var config = new DqnConfig { Wrappers = EnvWrappers.Atari, BufferSize = 1_000_000 };
        var frames = BoxSpace.Uniform([4, 84, 84], ElementType.UInt8, 0, 255);
        long required = ReplayMemoryCheck.RequiredBytes(config, frames);
        Assert.AreEqual(1_000_000L * (84 * 84 + 9), required);

        var error = Assert.ThrowsExactly<ReplayMemoryException>(() => ReplayMemoryCheck.EnsureFits(config, frames, availableBytes: 2L << 30));
        StringAssert.Contains(error.Message, $"{required:N0} bytes");
        StringAssert.Contains(error.Message, $"{2L << 30:N0} bytes");
        StringAssert.Contains(error.Message, "allow_large_replay=true");

        ReplayMemoryCheck.EnsureFits(config, frames, availableBytes: required); // fits exactly
        config.AllowLargeReplay = true;
        ReplayMemoryCheck.EnsureFits(config, frames, availableBytes: 1);
        Assert.IsGreaterThan(0L, ReplayMemoryCheck.AvailableBytes() ?? 1);
    }
}
