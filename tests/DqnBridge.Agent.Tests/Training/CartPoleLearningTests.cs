using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;
using DqnBridge.Envs.Native;
namespace DqnBridge.Agent.Tests.Training;

[TestClass]
public sealed class CartPoleLearningTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(UpdatePath.Fused)]
    [DataRow(UpdatePath.Reference)]
    public void LearnsCartPoleWithinASmallBudget(UpdatePath updatePath)
    {
        // The CartPole-v0 notebook recipe: a wider MLP, Adam 1e-3, batch 128, frequent target copies, exponential epsilon.
        var config = new DqnConfig
        {
            EnvId = "CartPole-v1",
            Seed = 1,
            TotalTimesteps = 30_000,
            LearningRate = 1e-3,
            BufferSize = 20_000,
            BatchSize = 128,
            Gamma = 0.99,
            TargetNetworkFrequency = 120,
            LearningStarts = 1000,
            TrainFrequency = 1,
            EpsilonSchedule = EpsilonSchedule.Exponential,
            StartE = 1.0,
            EndE = 0.01,
            EpsilonDecaySteps = 2000,
            HiddenSizes = [128, 128],
            Loss = LossKind.Huber,
            Tensorboard = false,
            UpdatePath = updatePath,
        };
        using var runFolder = new TempFolder("dqn-learning-");
        string run = runFolder.Path;
        using var envs = new SyncVectorEnv([NativeEnvs.Create("CartPole-v1")]);
        using var solved = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var best = new BestRecentMean(solved);
        using var trainer = new DqnTrainer(config, envs, run, best);
        Assert.AreEqual(updatePath, trainer.UpdatePath);
        var summary = trainer.Train(solved.Token);
        TestContext.WriteLine($"best mean over 20 episodes: {best.Best:F1} after {best.Episodes} episodes, {summary.Steps} steps");
        Assert.IsGreaterThanOrEqualTo(195.0, best.Best);
    }

    /// <summary>Tracks the best mean return over 20 consecutive episodes and stops training once it reaches 195.</summary>
    private sealed class BestRecentMean(CancellationTokenSource solved) : ITrainingObserver
    {
        private readonly Queue<double> _recent = new();

        public double Best { get; private set; }
        public long Episodes { get; private set; }

        public void OnEpisode(EpisodeRecord e)
        {
            Episodes = e.Episode;
            _recent.Enqueue(e.Return);
            if (_recent.Count > 20)
            {
                _recent.Dequeue();
            }
            if (_recent.Count == 20)
            {
                Best = Math.Max(Best, _recent.Average());
            }
            if (Best >= 195)
            {
                solved.Cancel();
            }
        }

        public void OnProgress(TrainingProgress p)
        {
        }
    }
}
