using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests.Training;

[TestClass]
public sealed class PixelTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// The walker drawn as an 84x84 frame (a bright column at its position), stacked four deep with
    /// the reset frame repeated, as the Atari wrappers present observations.
    /// </summary>
    private sealed class PixelWalkEnv : IVectorEnv
    {
        private const int Side = 84, FrameBytes = Side * Side, Stack = 4;
        private readonly WalkVectorEnv _walk = new(1);
        private readonly byte[] _observation = new byte[Stack * FrameBytes];
        private readonly byte[] _final = new byte[Stack * FrameBytes];

        public string Id => "PixelWalk-v0";
        public int NumEnvs => 1;
        public BoxSpace SingleObservationSpace { get; } = BoxSpace.Uniform([Stack, Side, Side], ElementType.UInt8, 0, 255);
        public DiscreteSpace SingleActionSpace => _walk.SingleActionSpace;
        public ReadOnlySpan<byte> Observations => _observation;
        public ReadOnlySpan<byte> FinalObservations => _final;
        public ReadOnlySpan<float> Rewards => _walk.Rewards;
        public ReadOnlySpan<bool> Terminated => _walk.Terminated;
        public ReadOnlySpan<bool> Truncated => _walk.Truncated;
        public IReadOnlyList<CompletedEpisode> CompletedEpisodes => _walk.CompletedEpisodes;

        private static void Draw(float position, Span<byte> frame)
        {
            frame.Clear();
            int column = (int)((position + 1) / 2 * (Side - 1));
            for (int row = 0; row < Side; row++)
            {
                frame[row * Side + column] = 255;
            }
        }

        private void ResetStack()
        {
            Draw(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_walk.Observations)[0], _observation.AsSpan(0, FrameBytes));
            for (int f = 1; f < Stack; f++)
            {
                _observation.AsSpan(0, FrameBytes).CopyTo(_observation.AsSpan(f * FrameBytes, FrameBytes));
            }
        }

        private static void Push(byte[] stack, float position)
        {
            stack.AsSpan(FrameBytes).CopyTo(stack);
            Draw(position, stack.AsSpan((Stack - 1) * FrameBytes));
        }

        public void Reset(int seed)
        {
            _walk.Reset(seed);
            ResetStack();
        }

        public void Step(ReadOnlySpan<int> actions)
        {
            _walk.Step(actions);
            if (_walk.Terminated[0] || _walk.Truncated[0])
            {
                _observation.CopyTo(_final, 0);
                Push(_final, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_walk.FinalObservations)[0]);
                ResetStack();
            }
            else
            {
                Push(_observation, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_walk.Observations)[0]);
            }
        }

        public RgbFrame Render(int index = 0) => throw new NotSupportedException();

        public void Dispose() => _walk.Dispose();
    }

    [TestMethod]
    [DataRow(1, false)]
    [DataRow(3, true, DisplayName = "n_step 3, prioritized replay over the frame buffer")]
    public void NatureCnnTrainsFromTheFrameBufferReproducibly(int nStep, bool prioritized)
    {
        float[] RunOnce(string name)
        {
            var config = DqnConfig.CleanRlAtari();
            config.EnvId = "PixelWalk-v0";
            config.TotalTimesteps = 240;
            config.LearningStarts = 100;
            config.BufferSize = 200;
            config.BatchSize = 8;
            config.TargetNetworkFrequency = 40;
            config.Tensorboard = false;
            config.NStep = nStep;
            config.PrioritizedReplay = prioritized;
            using var runFolder = new TempFolder($"dqn-pixel-{name}-");
            string run = runFolder.Path;
            using var envs = new PixelWalkEnv();
            using var trainer = new DqnTrainer(config, envs, run);
            Assert.IsInstanceOfType(trainer.Replay, prioritized ? typeof(PrioritizedReplay) : typeof(FrameReplayBuffer));
            var summary = trainer.Train(TestContext.CancellationToken);
            Assert.AreEqual(240, summary.Steps);
            Assert.IsGreaterThan(100, trainer.Replay.Count);
            return trainer.QNetwork.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }

        CollectionAssert.AreEqual(RunOnce("a"), RunOnce("b"));
    }
}
