using System.Globalization;
using DqnBridge.Cli.Commands;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Tests;

/// <summary>The CLI on the real DqnTrainer and EpisodePlayer, with the corridor test environment.</summary>
[TestClass]
public sealed class RealTrainerTests
{
    private string _runs = "";

    [TestInitialize]
    public void MakeRunsFolder() => _runs = Directory.CreateTempSubdirectory("dqnbridge-real-").FullName;

    [TestCleanup]
    public void RemoveRunsFolder() => Directory.Delete(_runs, recursive: true);

    private static AgentBackend Backend() => new(
        spec => spec.Id == "Corridor-v0" ? new CorridorVectorEnv(spec.NumEnvs) : throw new ArgumentException($"Unknown environment '{spec.Id}'"),
        spec => new CorridorEnv(),
        _ => [new BackendStatus("test", true, "corridor only")],
        _ => [new EnvironmentListing("Corridor-v0", "test", "Discrete(2)", "")]);

    private static readonly string[] ShortRun =
    [
        "--env", "Corridor-v0", "total_timesteps=3000", "learning_starts=200", "buffer_size=2000", "batch_size=32",
        "train_frequency=1", "target_network_frequency=100", "exploration_fraction=0.3", "learning_rate=1e-3",
        "hidden_sizes=[32]",
    ];

    private string TrainShortRun()
    {
        var run = CliRun.Invoke(Backend(), [.. ShortRun, $"runs_dir={_runs}", "--run-name", "corridor"]);
        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        return run.All;
    }

    [TestMethod]
    public void ResumeContinuesAnInterruptedRunToTheEnd()
    {
        var overrides = ShortRun.Skip(2).Append($"runs_dir={_runs}").ToArray();
        var config = DqnBridge.Cli.Config.ConfigLoader.Resolve(null, overrides, "Corridor-v0");
        string runDirectory = Path.Combine(_runs, "interrupted");
        using (var cancel = new CancellationTokenSource())
        using (var envs = new CorridorVectorEnv(config.NumEnvs))
        using (var trainer = new DqnBridge.Agent.DqnTrainer(config, envs, runDirectory, new CancelAfterEpisodes(cancel, 30)))
        {
            Assert.IsTrue(trainer.Train(cancel.Token).Cancelled);
        }
        long stoppedAt = TrainingRun.ReadEpisodes(Path.Combine(runDirectory, "episodes.csv")).Last().GlobalStep;
        Assert.IsLessThan(2500L, stoppedAt, "stopped well before the end");

        var run = CliRun.Invoke(Backend(), "resume", runDirectory);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Training finished.");
        var episodes = TrainingRun.ReadEpisodes(Path.Combine(runDirectory, "episodes.csv"));
        Assert.IsGreaterThan(2800L, episodes.Last().GlobalStep, "the resumed run reaches total_timesteps");
        CollectionAssert.AllItemsAreUnique(episodes.Select(e => e.GlobalStep).ToList(), "no episode is written twice");
        Assert.IsTrue(File.Exists(Path.Combine(runDirectory, "learning_curve.png")));

        var missing = CliRun.Invoke(Backend(), "resume", Path.Combine(_runs, "no-such-run"));
        Assert.AreEqual(ExitCodes.RuntimeError, missing.ExitCode);
        Assert.IsFalse(missing.HasStackTrace, missing.All);
    }

    private sealed class CancelAfterEpisodes(CancellationTokenSource cancel, int episodes) : DqnBridge.Agent.ITrainingObserver
    {
        private int _seen;

        public void OnEpisode(DqnBridge.Agent.EpisodeRecord e)
        {
            if (++_seen >= episodes)
                cancel.Cancel();
        }

        public void OnProgress(DqnBridge.Agent.TrainingProgress p)
        {
        }
    }

    [TestMethod]
    public void TrainsEvaluatesAndRejectsCorruptCheckpoints()
    {
        var output = TrainShortRun();
        var runDirectory = Path.Combine(_runs, "corridor");
        StringAssert.Contains(output, "Training finished.");
        foreach (var file in new[] { TrainingRun.ConfigFile, TrainingRun.EpisodesFile, TrainingRun.CurveFile })
            Assert.IsTrue(File.Exists(Path.Combine(runDirectory, file)), $"{file} missing; output:\n{output}");
        Assert.IsTrue(Directory.Exists(Path.Combine(runDirectory, "checkpoints", "latest")), output);
        Assert.IsNotEmpty(Directory.GetFiles(runDirectory, "events.out.tfevents.*", SearchOption.AllDirectories), "no TensorBoard events");

        // A run folder resolves to its latest checkpoint; the learned policy walks straight right (return 0.96).
        var evaluation = CliRun.Invoke(Backend(), "evaluate", runDirectory, "-n", "5", "--epsilon", "0");
        Assert.AreEqual(ExitCodes.Ok, evaluation.ExitCode, evaluation.All);
        var returns = File.ReadAllLines(Path.Combine(runDirectory, "eval_returns.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.HasCount(5, returns);
        foreach (var r in returns)
            Assert.AreEqual(1 - 0.01 * (CorridorEnv.Length - 2), r, 1e-6, evaluation.All);

        // Damage the network weights: evaluate must refuse with a message, not a stack trace.
        var checkpoint = Path.Combine(runDirectory, "checkpoints", "latest");
        var weights = Directory.GetFiles(checkpoint, "q_network*").Single();
        File.WriteAllBytes(weights, [1, 2, 3]);
        var corrupt = CliRun.Invoke(Backend(), "evaluate", checkpoint);
        Assert.AreEqual(ExitCodes.RuntimeError, corrupt.ExitCode, corrupt.All);
        Assert.IsFalse(corrupt.HasStackTrace, corrupt.All);
        StringAssert.Contains(corrupt.Error, "error: ");

        var empty = Directory.CreateDirectory(Path.Combine(_runs, "empty")).FullName;
        var notACheckpoint = CliRun.Invoke(Backend(), "evaluate", empty);
        Assert.AreEqual(ExitCodes.RuntimeError, notACheckpoint.ExitCode, notACheckpoint.All);
        Assert.IsFalse(notACheckpoint.HasStackTrace, notACheckpoint.All);
    }

    [TestMethod]
    public void CancelledTrainingWritesACheckpointAndExits130()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var run = CliRun.Invoke(Backend(), cancellation.Token, [.. ShortRun, $"runs_dir={_runs}", "--run-name", "stopped"]);

        Assert.AreEqual(ExitCodes.Cancelled, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "checkpoint written to");
        Assert.IsTrue(Directory.Exists(Path.Combine(_runs, "stopped", "checkpoints", "latest")), run.All);
    }

    [TestMethod]
    public void UnknownEnvironmentIsAClearError()
    {
        var run = CliRun.Invoke(Backend(), "--env", "NoSuchEnv-v9", $"runs_dir={_runs}");

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode);
        StringAssert.Contains(run.Error, "Unknown environment 'NoSuchEnv-v9'");
        Assert.IsFalse(run.HasStackTrace, run.All);
        Assert.IsEmpty(Directory.GetDirectories(_runs), "a run that never started leaves no folder");
    }
}
