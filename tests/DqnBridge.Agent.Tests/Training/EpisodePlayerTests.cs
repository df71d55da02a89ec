using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;
using DqnBridge.Envs.Native;

namespace DqnBridge.Agent.Tests.Training;

/// <summary>Playing a network epsilon-greedily: by episodes or a step budget, raw and clipped returns, a frame per step.</summary>
[TestClass]
public sealed class EpisodePlayerTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>The built-in CartPole, counting its steps.</summary>
    private sealed class CountingEnv(IEnv inner) : IEnv
    {
        public string Id => inner.Id;
        public BoxSpace ObservationSpace => inner.ObservationSpace;
        public Space ActionSpace => inner.ActionSpace;
        public int? MaxEpisodeSteps => inner.MaxEpisodeSteps;
        public int Steps { get; private set; }

        public void Reset(Span<byte> observation, int? seed = null) => inner.Reset(observation, seed);

        public StepResult Step(int action, Span<byte> observation)
        {
            Steps++;
            return inner.Step(action, observation);
        }

        public RgbFrame Render() => inner.Render();

        public void Dispose() => inner.Dispose();
    }

    [TestMethod]
    public void EvaluatesACheckpointsNetworkForTheRequestedEpisodes()
    {
        using var runFolder = new TempFolder("dqn-eval-");
        string run = runFolder.Path;
        var config = new DqnConfig { EnvId = "CartPole-v1", TotalTimesteps = 600, LearningStarts = 100, Tensorboard = false };
        string checkpoint;
        using (var envs = new SyncVectorEnv([NativeEnvs.Create("CartPole-v1")]))
        using (var trainer = new DqnTrainer(config, envs, run))
        {
            checkpoint = trainer.Train(TestContext.CancellationToken).CheckpointPath;
        }
        using var env = new CountingEnv(NativeEnvs.Create("CartPole-v1", "rgb_array"));
        int frames = 0;
        using var network = Checkpoint.Load(checkpoint).LoadQNetwork();
        var returns = EpisodePlayer.Play(network, env, episodes: 3, maxSteps: 0, epsilon: 0.05, seed: 4, onFrame: _ => frames++)
            .Select(episode => episode.Return).ToList();
        Assert.HasCount(3, returns);
        // CartPole pays 1 per step, so the returns account for every step taken, and a frame was shown before each.
        Assert.AreEqual(env.Steps, (int)returns.Sum());
        Assert.AreEqual(env.Steps, frames);
    }

    [TestMethod]
    public void StepBudgetCountsFinishedEpisodesOrReportsTheCutOne()
    {
        var config = new DqnConfig { EnvId = "CartPole-v1", HiddenSizes = [8] };
        using var network = QNetwork.Create(config, BoxSpace.Uniform([4], ElementType.Float32, -1, 1), 2);
        using var env = NativeEnvs.Create("CartPole-v1");

        var budget = EpisodePlayer.Play(network, env, episodes: 0, maxSteps: 300, epsilon: 1.0, seed: 2);
        Assert.IsGreaterThan(1, budget.Count);
        Assert.IsTrue(budget.All(e => e.Complete));
        Assert.IsLessThanOrEqualTo(300L, budget.Sum(e => (long)e.Length));

        var cut = EpisodePlayer.Play(network, env, episodes: 0, maxSteps: 3, epsilon: 1.0, seed: 2);
        Assert.HasCount(1, cut);
        Assert.IsFalse(cut[0].Complete);
        Assert.AreEqual(3, cut[0].Length);

        var byEpisodes = EpisodePlayer.Play(network, env, episodes: 4, maxSteps: 0, epsilon: 1.0, seed: 2);
        Assert.HasCount(4, byEpisodes);
        // CartPole's rewards are all +1: clipping changes nothing.
        Assert.IsTrue(byEpisodes.All(e => e.Return == e.ClippedReturn && e.Return == e.Length));
    }

    [TestMethod]
    public void ClippedReturnSumsRewardSigns()
    {
        var config = new DqnConfig { HiddenSizes = [4] };
        using var network = QNetwork.Create(config, BoxSpace.Uniform([1], ElementType.Float32, -1, 1), 1);
        using var env = new ScriptedRewards([7.0, -3.5, 0.0, 200.0]);
        var episode = EpisodePlayer.Play(network, env, episodes: 1, maxSteps: 0, epsilon: 0, seed: 1).Single();
        Assert.AreEqual(203.5, episode.Return);
        Assert.AreEqual(1.0, episode.ClippedReturn); // +1 - 1 + 0 + 1
    }

    /// <summary>One episode whose steps give the listed rewards, then terminate.</summary>
    private sealed class ScriptedRewards(double[] rewards) : IEnv
    {
        private int _step;
        public string Id => "Scripted-v0";
        public BoxSpace ObservationSpace { get; } = BoxSpace.Uniform([1], ElementType.Float32, -1, 1);
        public Space ActionSpace { get; } = new DiscreteSpace(1);
        public int? MaxEpisodeSteps => null;
        public void Reset(Span<byte> observation, int? seed = null) => _step = 0;

        public StepResult Step(int action, Span<byte> observation)
        {
            double reward = rewards[_step++];
            return new StepResult(reward, _step == rewards.Length, false);
        }

        public RgbFrame Render() => throw new NotSupportedException();
        public void Dispose() { }
    }
}
