using System.Globalization;

namespace DqnBridge.Cli.Tests;

/// <summary>The CLI on the real DqnTrainer and EpisodePlayer, with the corridor test environment.</summary>
[TestClass]
public sealed class RealTrainerTests : TempRunsFolderTestBase
{
    private static readonly string[] ShortRun = Corridor.ShortRun(3000);

    private string TrainShortRun()
    {
        var run = CliRun.Invoke(Corridor.Backend(), [.. ShortRun, RunsDir, "--run-name", "corridor"]);
        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        return run.All;
    }

    [TestMethod]
    public void ResumeContinuesAnInterruptedRunToTheEnd()
    {
        string runDirectory = Path.Combine(Runs, "interrupted");
        Corridor.TrainAndStopAfter(30, runDirectory, 3000, RunsDir);
        long stoppedAt = TrainingRun.ReadEpisodes(Path.Combine(runDirectory, "episodes.csv")).Last().GlobalStep;
        Assert.IsLessThan(2500L, stoppedAt, "stopped well before the end");

        var run = CliRun.Invoke(Corridor.Backend(), "resume", runDirectory);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Training finished.");
        var episodes = TrainingRun.ReadEpisodes(Path.Combine(runDirectory, "episodes.csv"));
        Assert.IsGreaterThan(2800L, episodes.Last().GlobalStep, "the resumed run reaches total_timesteps");
        CollectionAssert.AllItemsAreUnique(episodes.Select(e => e.GlobalStep).ToList(), "no episode is written twice");
        Assert.IsTrue(File.Exists(Path.Combine(runDirectory, "learning_curve.png")));

        var missing = CliRun.Invoke(Corridor.Backend(), "resume", Path.Combine(Runs, "no-such-run"));
        Assert.AreEqual(ExitCodes.RuntimeError, missing.ExitCode);
        Assert.IsFalse(missing.HasStackTrace, missing.All);
    }

    [TestMethod]
    public void TrainsEvaluatesAndRejectsCorruptCheckpoints()
    {
        var output = TrainShortRun();
        var runDirectory = Path.Combine(Runs, "corridor");
        StringAssert.Contains(output, "Training finished.");
        foreach (var file in new[] { TrainingRun.ConfigFile, TrainingRun.EpisodesFile, TrainingRun.CurveFile })
        {
            Assert.IsTrue(File.Exists(Path.Combine(runDirectory, file)), $"{file} missing; output:\n{output}");
        }

        Assert.IsTrue(Directory.Exists(Path.Combine(runDirectory, "checkpoints", "latest")), output);
        Assert.IsNotEmpty(Directory.GetFiles(runDirectory, "events.out.tfevents.*", SearchOption.AllDirectories), "no TensorBoard events");

        // A run folder resolves to its latest checkpoint; the learned policy walks straight right (return 0.96).
        var evaluation = CliRun.Invoke(Corridor.Backend(), "evaluate", runDirectory, "-n", "5", "--epsilon", "0");
        Assert.AreEqual(ExitCodes.Ok, evaluation.ExitCode, evaluation.All);
        var returns = File.ReadAllLines(Path.Combine(runDirectory, "eval_returns.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.HasCount(5, returns);
        foreach (var r in returns)
        {
            Assert.AreEqual(1 - 0.01 * (CorridorEnv.Length - 2), r, 1e-6, evaluation.All);
        }

        // Damage the network weights: evaluate must refuse with a message, not a stack trace.
        var checkpoint = Path.Combine(runDirectory, "checkpoints", "latest");
        var weights = Directory.GetFiles(checkpoint, "q_network*").Single();
        File.WriteAllBytes(weights, [1, 2, 3]);
        var corrupt = CliRun.Invoke(Corridor.Backend(), "evaluate", checkpoint);
        Assert.AreEqual(ExitCodes.RuntimeError, corrupt.ExitCode, corrupt.All);
        Assert.IsFalse(corrupt.HasStackTrace, corrupt.All);
        StringAssert.Contains(corrupt.Error, "error: ");

        var empty = Directory.CreateDirectory(Path.Combine(Runs, "empty")).FullName;
        var notACheckpoint = CliRun.Invoke(Corridor.Backend(), "evaluate", empty);
        Assert.AreEqual(ExitCodes.RuntimeError, notACheckpoint.ExitCode, notACheckpoint.All);
        Assert.IsFalse(notACheckpoint.HasStackTrace, notACheckpoint.All);
    }

    [TestMethod]
    public void CancelledTrainingWritesACheckpointAndExits130()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var run = CliRun.Invoke(Corridor.Backend(), cancellation.Token, [.. ShortRun, RunsDir, "--run-name", "stopped"]);

        Assert.AreEqual(ExitCodes.Cancelled, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "checkpoint written to");
        Assert.IsTrue(Directory.Exists(Path.Combine(Runs, "stopped", "checkpoints", "latest")), run.All);
    }

    [TestMethod]
    public void UnknownEnvironmentIsAClearError()
    {
        var run = CliRun.Invoke(Corridor.Backend(), "--env", "NoSuchEnv-v9", RunsDir);

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode);
        StringAssert.Contains(run.Error, "Unknown environment 'NoSuchEnv-v9'");
        Assert.IsFalse(run.HasStackTrace, run.All);
        Assert.IsEmpty(Directory.GetDirectories(Runs), "a run that never started leaves no folder");
    }
}
