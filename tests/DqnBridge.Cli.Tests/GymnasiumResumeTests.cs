using DqnBridge.Agent;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// Exact resume on the Gymnasium backend: a run stopped mid-episode and resumed from its checkpoint
/// writes the uninterrupted run's episodes.csv. Needs real Gymnasium (and Box2D for LunarLander) in the
/// Python that DQNBRIDGE_PYTHON names; Inconclusive without them.
/// </summary>
[TestClass]
public sealed class GymnasiumResumeTests
{
    public TestContext TestContext { get; set; } = null!;

    private string _root = "";

    [TestInitialize]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("dqnbridge-gym-resume-").FullName;

    [TestCleanup]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    private static DqnConfig Config(string envId, int numEnvs, long steps) => new()
    {
        EnvId = envId,
        Backend = EnvBackend.Gymnasium,
        Seed = 3,
        NumEnvs = numEnvs,
        TotalTimesteps = steps,
        LearningStarts = 500,
        TrainFrequency = 4,
        TargetNetworkFrequency = 250,
        BufferSize = 5000,
        BatchSize = 32,
        LearningRate = 1e-3,
        ExplorationFraction = 0.5,
        HiddenSizes = [32, 32],
        Tensorboard = false,
    };

    private static GymnasiumVectorEnv MakeEnvs(DqnConfig config)
    {
        if (!GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive("gymnasium is not importable from the Python DQNBRIDGE_PYTHON (or python3) names; these tests run where it is.");
        }
        try
        {
            return new GymnasiumVectorEnv(config.ToEnvSpec());
        }
        catch (EnvCreationException e) when (e.Message.Contains("Box2D", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Inconclusive($"{config.EnvId} needs Box2D: {e.Message}");
            throw;
        }
    }

    private static string[] RowsWithoutWallTime(string runDirectory) =>
        File.ReadAllLines(Path.Combine(runDirectory, "episodes.csv")).Select(line => line[..line.LastIndexOf(',')]).ToArray();

    [TestMethod]
    [DataRow("CartPole-v1", 1, 3000L, 1237L)]
    [DataRow("LunarLander-v3", 2, 2400L, 1501L)]
    public void InterruptedMidEpisodeAndResumedGivesTheUninterruptedEpisodes(string envId, int numEnvs, long steps, long stopAfter)
    {
        var config = Config(envId, numEnvs, steps);
        string whole = Path.Combine(_root, "whole");
        using (var envs = MakeEnvs(config))
        using (var trainer = new DqnTrainer(config, envs, whole))
        {
            Assert.IsFalse(trainer.Train(TestContext.CancellationToken).Cancelled);
        }

        string interrupted = Path.Combine(_root, "interrupted");
        using (var cancel = new CancellationTokenSource())
        using (var envs = new CancelAfterSteps(MakeEnvs(config), stopAfter, cancel))
        using (var trainer = new DqnTrainer(config, envs, interrupted))
        {
            var summary = trainer.Train(cancel.Token);
            Assert.IsTrue(summary.Cancelled);
            Assert.AreEqual(stopAfter, summary.Steps, "stopped where the test cancelled");
            Assert.IsFalse(envs.EpisodeEndedOnLastStep, "every env is mid-episode when the run stops");
        }
        using (var envs = MakeEnvs(config))
        using (var trainer = DqnTrainer.Resume(Path.Combine(interrupted, "checkpoints", "latest"), envs))
        {
            Assert.IsFalse(trainer.Train(TestContext.CancellationToken).Cancelled);
        }

        string[] expected = RowsWithoutWallTime(whole);
        string[] resumed = RowsWithoutWallTime(interrupted);
        Assert.IsTrue(expected.Skip(1).Any(row => long.Parse(row[..row.IndexOf(',')], System.Globalization.CultureInfo.InvariantCulture) > stopAfter),
            "episodes end after the interruption too");
        CollectionAssert.AreEqual(expected, resumed);
    }

    /// <summary>The environment layer alone, on pixel envs with stacked wrappers: a restored copy steps on exactly as the original.</summary>
    [TestMethod]
    [DataRow("ALE/Tetris-v5", 600, 400)]
    public void RestoredEnvironmentsStepOnExactlyAsTheOriginal(string envId, int before, int after)
    {
        var spec = new EnvSpec(envId, NumEnvs: 2, Backend: EnvBackend.Gymnasium, Wrappers: EnvWrappers.Atari);
        if (!GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive("gymnasium is not importable from the Python DQNBRIDGE_PYTHON (or python3) names; these tests run where it is.");
        }
        GymnasiumVectorEnv original;
        try
        {
            original = new GymnasiumVectorEnv(spec);
        }
        catch (EnvCreationException e)
        {
            Assert.Inconclusive($"{envId} cannot be made here (ale-py and its ROM are needed): {e.Message}");
            throw;
        }
        using (original)
        {
            var sampler = new UniformActionSampler(11);
            int[] actions = new int[2];
            original.Reset(seed: 4);
            for (int t = 0; t < before; t++)
            {
                actions[0] = sampler.Sample(original.SingleActionSpace);
                actions[1] = sampler.Sample(original.SingleActionSpace);
                original.Step(actions);
            }
            using var restored = new GymnasiumVectorEnv(spec);
            restored.RestoreState(original.SaveState());
            CollectionAssert.AreEqual(original.Observations.ToArray(), restored.Observations.ToArray(), "restored observations");
            int episodes = 0;
            for (int t = 0; t < after; t++)
            {
                actions[0] = sampler.Sample(original.SingleActionSpace);
                actions[1] = sampler.Sample(original.SingleActionSpace);
                original.Step(actions);
                restored.Step(actions);
                CollectionAssert.AreEqual(original.Observations.ToArray(), restored.Observations.ToArray(), $"observations {t} steps after the restore");
                CollectionAssert.AreEqual(original.Rewards.ToArray(), restored.Rewards.ToArray(), $"rewards {t} steps after the restore");
                CollectionAssert.AreEqual(original.CompletedEpisodes.ToArray(), restored.CompletedEpisodes.ToArray(), $"episodes {t} steps after the restore");
                episodes += original.CompletedEpisodes.Count;
            }
            Assert.IsGreaterThan(0, episodes, "episodes end after the restore too");
        }
    }

    /// <summary>Passes everything to the Gymnasium vector env and cancels the run after a given number of vector steps.</summary>
    private sealed class CancelAfterSteps(GymnasiumVectorEnv inner, long steps, CancellationTokenSource cancel) : IVectorEnv, IRestorableVectorEnv
    {
        private long _taken;

        public bool EpisodeEndedOnLastStep { get; private set; }
        public string Id => inner.Id;
        public int NumEnvs => inner.NumEnvs;
        public BoxSpace SingleObservationSpace => inner.SingleObservationSpace;
        public DiscreteSpace SingleActionSpace => inner.SingleActionSpace;
        public ReadOnlySpan<byte> Observations => inner.Observations;
        public ReadOnlySpan<byte> FinalObservations => inner.FinalObservations;
        public ReadOnlySpan<float> Rewards => inner.Rewards;
        public ReadOnlySpan<bool> Terminated => inner.Terminated;
        public ReadOnlySpan<bool> Truncated => inner.Truncated;
        public IReadOnlyList<CompletedEpisode> CompletedEpisodes => inner.CompletedEpisodes;

        public void Reset(int seed) => inner.Reset(seed);

        public void Step(ReadOnlySpan<int> actions)
        {
            inner.Step(actions);
            EpisodeEndedOnLastStep = inner.Terminated.Contains(true) || inner.Truncated.Contains(true);
            if (++_taken == steps)
            {
                cancel.Cancel();
            }
        }

        public RgbFrame Render(int index = 0) => inner.Render(index);

        public byte[] SaveState() => inner.SaveState();

        public void RestoreState(byte[] state) => inner.RestoreState(state);

        public void Dispose() => inner.Dispose();
    }
}
