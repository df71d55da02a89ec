using DqnBridge.Envs;
using DqnBridge.Envs.Native;

namespace DqnBridge.Agent.Tests;

[TestClass]
public sealed class EpisodePlayerTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>A one-environment vector env seen as a plain IEnv (its own autoreset hidden behind the final observation).</summary>
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
}
