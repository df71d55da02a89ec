using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;
using DqnBridge.Envs.Native;

namespace DqnBridge.Agent.Tests.Training;

/// <summary>Evaluation during training (eval_frequency): eval.csv, training left unchanged, the same rows after a resume.</summary>
[TestClass]
public sealed class PeriodicEvaluationTests
{
    public TestContext TestContext { get; set; } = null!;

    private readonly TempFolder _root = new("dqn-evaluation-");

    [TestCleanup]
    public void DeleteRoot() => _root.Dispose();

    private static DqnConfig CartPoleConfig(long steps) => new()
    {
        EnvId = "CartPole-v1",
        Seed = 5,
        NumEnvs = 2,
        TotalTimesteps = steps,
        LearningStarts = 300,
        TrainFrequency = 2,
        TargetNetworkFrequency = 50,
        BufferSize = 1000,
        BatchSize = 32,
        LearningRate = 1e-3,
        HiddenSizes = [16, 16],
        Tensorboard = false,
    };

    private static SyncVectorEnv CartPoles(int n = 2) => new([.. Enumerable.Range(0, n).Select(_ => NativeEnvs.Create("CartPole-v1"))]);

    private (string Run, float[] Weights) TrainWithEvaluation(DqnConfig config, string name, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        string run = _root[name];
        using var envs = CartPoles();
        using var trainer = new DqnTrainer(config, envs, run, observer);
        trainer.EnablePeriodicEvaluation(() => NativeEnvs.Create("CartPole-v1"));
        trainer.Train(cancel == default ? TestContext.CancellationToken : cancel);
        return (run, trainer.QNetwork.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
    }

    [TestMethod]
    public void PeriodicEvaluationWritesEvalCsvAndLeavesTrainingUnchanged()
    {
        var config = CartPoleConfig(2000);
        var plain = TrainWithEvaluation(config, "plain");
        config.EvalFrequency = 500;
        config.EvalEpisodes = 3;
        var evaluated = TrainWithEvaluation(config, "evaluated");

        CollectionAssert.AreEqual(DqnTrainerTests.CsvRowsWithoutWallTime(plain.Run), DqnTrainerTests.CsvRowsWithoutWallTime(evaluated.Run));
        CollectionAssert.AreEqual(plain.Weights, evaluated.Weights);
        Assert.IsFalse(File.Exists(Path.Combine(plain.Run, PeriodicEvaluation.CsvFile)));
        var lines = File.ReadAllLines(Path.Combine(evaluated.Run, PeriodicEvaluation.CsvFile));
        Assert.AreEqual("global_step,episodes,steps,mean_return,max_return,min_return", lines[0]);
        CollectionAssert.AreEqual(new[] { "500", "1000", "1500", "2000" }, lines.Skip(1).Select(l => l.Split(',')[0]).ToArray());
        foreach (var fields in lines.Skip(1).Select(l => l.Split(',')))
        {
            Assert.AreEqual("3", fields[1]);
            double mean = double.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
            double max = double.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture);
            double min = double.Parse(fields[5], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsTrue(min <= mean && mean <= max && min >= 1, string.Join(",", fields));
        }
    }

    [TestMethod]
    public void ResumedRunWritesTheSameEvalCsv()
    {
        var config = CartPoleConfig(3200);
        config.EvalFrequency = 400;
        config.EvalEpisodes = 2;
        var whole = TrainWithEvaluation(config, "whole");

        using (var cancel = new CancellationTokenSource())
        {
            TrainWithEvaluation(config, "interrupted", new CancelAt(cancel, step: 1700), cancel.Token);
        }
        string interrupted = _root["interrupted"];
        var beforeResume = File.ReadAllLines(Path.Combine(interrupted, PeriodicEvaluation.CsvFile));
        Assert.IsLessThan(8, beforeResume.Length - 1, "interrupted before the last evaluations");
        using (var envs = CartPoles())
        using (var trainer = DqnTrainer.Resume(Path.Combine(interrupted, "checkpoints", "latest"), envs))
        {
            trainer.EnablePeriodicEvaluation(() => NativeEnvs.Create("CartPole-v1"));
            trainer.Train(TestContext.CancellationToken);
        }

        var expected = File.ReadAllLines(Path.Combine(whole.Run, PeriodicEvaluation.CsvFile));
        Assert.HasCount(8, expected.Skip(1).ToArray());
        CollectionAssert.AreEqual(expected, File.ReadAllLines(Path.Combine(interrupted, PeriodicEvaluation.CsvFile)));
    }

    [TestMethod]
    public void BestCheckpointHoldsTheWeightsOfTheBestEvaluationAndSurvivesAResume()
    {
        var config = CartPoleConfig(3200);
        config.EvalFrequency = 400;
        config.EvalEpisodes = 2;
        var evaluations = new EvaluationLog();
        var whole = TrainWithEvaluation(config, "whole", evaluations);

        Assert.HasCount(8, evaluations.Records);
        var best = evaluations.Records.Where(r => r.IsBest).Last();
        Assert.AreEqual(evaluations.Records.Max(r => r.Returns.Mean), best.Returns.Mean);
        Assert.AreEqual(best, evaluations.Records.First(r => r.Returns.Mean == best.Returns.Mean), "ties keep the earlier weights");
        var checkpoint = Checkpoint.Load(Path.Combine(whole.Run, "checkpoints", "best"));
        Assert.IsTrue(checkpoint.WeightsOnly);
        Assert.AreEqual(best.GlobalStep, checkpoint.State.NextStep);
        // Its weights are the evaluated ones: playing that evaluation again with them gives its returns.
        using (var network = checkpoint.LoadQNetwork())
        using (var env = NativeEnvs.Create("CartPole-v1"))
        {
            var replayed = EpisodePlayer.Play(network, env, config.EvalEpisodes, 0, config.EvalEpsilon, PeriodicEvaluation.SeedAt(config, best.GlobalStep));
            Assert.AreEqual(best.Returns.Mean, replayed.Average(e => e.Return));
        }
        using (var envs = CartPoles())
        {
            var refused = Assert.Throws<CheckpointException>(() => DqnTrainer.Resume(checkpoint, envs));
            StringAssert.Contains(refused.Message, "checkpoints/latest");
        }

        // Interrupted and resumed: the same best weights at the end.
        using (var cancel = new CancellationTokenSource())
        {
            TrainWithEvaluation(config, "interrupted", new CancelAt(cancel, step: 1700), cancel.Token);
        }
        string interrupted = _root["interrupted"];
        using (var envs = CartPoles())
        using (var trainer = DqnTrainer.Resume(Path.Combine(interrupted, "checkpoints", "latest"), envs))
        {
            trainer.EnablePeriodicEvaluation(() => NativeEnvs.Create("CartPole-v1"));
            trainer.Train(TestContext.CancellationToken);
        }
        CollectionAssert.AreEqual(
            File.ReadAllBytes(Path.Combine(whole.Run, "checkpoints", "best", Checkpoint.QNetworkFile)),
            File.ReadAllBytes(Path.Combine(interrupted, "checkpoints", "best", Checkpoint.QNetworkFile)));
        Assert.AreEqual(best.GlobalStep, Checkpoint.Load(Path.Combine(interrupted, "checkpoints", "best")).State.NextStep);
    }

    private sealed class EvaluationLog : ITrainingObserver
    {
        public List<EvaluationRecord> Records { get; } = [];

        public void OnEpisode(EpisodeRecord e)
        {
        }

        public void OnProgress(TrainingProgress p)
        {
        }

        public void OnEvaluation(EvaluationRecord e) => Records.Add(e);
    }

    private sealed class CancelAt(CancellationTokenSource source, long step) : ITrainingObserver
    {
        public void OnEpisode(EpisodeRecord e)
        {
            if (e.GlobalStep >= step)
            {
                source.Cancel();
            }
        }

        public void OnProgress(TrainingProgress p)
        {
        }
    }

    [TestMethod]
    public void EvaluationSeedDependsOnTheStepAlone()
    {
        var config = new DqnConfig { EvalSeed = 1000 };
        Assert.AreEqual(1000 + 5000, PeriodicEvaluation.SeedAt(config, 5000));
        Assert.AreEqual(PeriodicEvaluation.SeedAt(config, 123), PeriodicEvaluation.SeedAt(config.Clone(), 123));
    }
}
