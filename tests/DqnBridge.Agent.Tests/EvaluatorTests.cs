using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests;

[TestClass]
public sealed class EvaluatorTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>A one-environment vector env seen as a plain IEnv (its own autoreset hidden behind the final observation).</summary>
    private sealed class SingleEnv(IVectorEnv vector) : IEnv
    {
        public string Id => vector.Id;
        public BoxSpace ObservationSpace => vector.SingleObservationSpace;
        public Space ActionSpace => vector.SingleActionSpace;
        public int? MaxEpisodeSteps => null;
        public int Steps { get; private set; }

        public void Reset(Span<byte> observation, int? seed = null)
        {
            if (seed is int s)
            {
                vector.Reset(s);
            }
            vector.Observations.CopyTo(observation);
        }

        public StepResult Step(int action, Span<byte> observation)
        {
            Steps++;
            vector.Step([action]);
            bool done = vector.Terminated[0] || vector.Truncated[0];
            (done ? vector.FinalObservations : vector.Observations).CopyTo(observation);
            return new StepResult(vector.Rewards[0], vector.Terminated[0], vector.Truncated[0]);
        }

        public RgbFrame Render() => new(1, 1, [0, 0, 0]);

        public void Dispose() => vector.Dispose();
    }

    [TestMethod]
    public void EvaluatesACheckpointsNetworkForTheRequestedEpisodes()
    {
        string run = Path.Combine(Path.GetTempPath(), "dqn-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = new DqnConfig { EnvId = "CartPole-v1", TotalTimesteps = 600, LearningStarts = 100, Tensorboard = false };
            string checkpoint;
            using (var envs = new CartPoleDouble())
            using (var trainer = new DqnTrainer(config, envs, run))
            {
                checkpoint = trainer.Train(TestContext.CancellationToken).CheckpointPath;
            }
            using var env = new SingleEnv(new CartPoleDouble());
            int frames = 0;
            var returns = Evaluator.Evaluate(checkpoint, env, episodes: 3, epsilon: 0.05, seed: 4, onFrame: _ => frames++);
            Assert.HasCount(3, returns);
            // CartPole pays 1 per step, so the returns account for every step taken, and a frame was shown before each.
            Assert.AreEqual(env.Steps, (int)returns.Sum());
            Assert.AreEqual(env.Steps, frames);
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }
}
