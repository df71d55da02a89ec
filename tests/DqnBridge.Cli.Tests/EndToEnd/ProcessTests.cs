namespace DqnBridge.Cli.Tests;

/// <summary>Signals and concurrent processes, with the real dqnbridge executable on the built-in CartPole.</summary>
[TestClass]
public sealed class ProcessTests : TempRunsFolderTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [TestInitialize]
    public void RequirePosix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("POSIX signals and flock are Linux features");
        }
    }

    /// <summary>A small CartPole run (train_frequency 1 keeps it busy for a few seconds, long enough to be stopped).</summary>
    private string[] SmallRun(string runName) =>
    [
        "train", "--env", "CartPole-v1", "backend=native", "total_timesteps=20_000", "learning_starts=1000", "train_frequency=1",
        "checkpoint_frequency=0", "tensorboard=false", RunsDir, "--run-name", runName,
    ];

    /// <summary>The built-in env without Python, holding once episode <paramref name="episode"/> has ended until a stop signal arrives.</summary>
    internal static IReadOnlyDictionary<string, string?> HoldingAtEpisode(IReadOnlyDictionary<string, string?> environment, int episode) =>
        new Dictionary<string, string?>(environment) { ["DQNBRIDGE_TEST_HOLD_AT"] = $"episode:{episode}" };

    internal static bool IsHolding(CliProcess cli, int episode) => cli.Output.Contains($"test hook: holding at episode:{episode}", StringComparison.Ordinal);

    [TestMethod]
    [DataRow("TERM", ExitCodes.Terminated)]
    [DataRow("HUP", ExitCodes.HungUp)]
    public void StopSignalWritesACheckpointAndResumeGivesTheUninterruptedRun(string signal, int exitCode)
    {
        string stopped = Path.Combine(Runs, "stopped");
        using (var training = CliProcess.Start(HoldingAtEpisode(CliProcess.WithoutPython, 100), SmallRun("stopped")))
        {
            // The run holds after its 100th episode, so the signal stops it there however busy the machine is.
            training.WaitUntil(() => IsHolding(training, 100), Timeout, "the run to hold at episode 100");
            training.Signal(signal);
            var stop = training.WaitForExit(Timeout);

            Assert.AreEqual(exitCode, stop.ExitCode, stop.All);
            StringAssert.Contains(stop.All, $"Stopping (SIG{signal})");
            StringAssert.Contains(stop.All, "checkpoint written to");
        }
        Assert.IsTrue(File.Exists(Path.Combine(stopped, "checkpoints", "latest", "manifest.json")), "checkpoint present");
        long stoppedAt = TrainingRun.ReadEpisodes(Path.Combine(stopped, "episodes.csv")).Last().GlobalStep;
        Assert.IsLessThan(19_000L, stoppedAt, "stopped before the end");
        if (signal != "TERM")
        {
            return;
        }

        var resumed = CliProcess.Run(CliProcess.WithoutPython, "resume", stopped);
        Assert.AreEqual(ExitCodes.Ok, resumed.ExitCode, resumed.All);

        var whole = CliProcess.Run(CliProcess.WithoutPython, SmallRun("whole"));
        Assert.AreEqual(ExitCodes.Ok, whole.ExitCode, whole.All);

        var resumedRows = EpisodesWithoutWallTime(Path.Combine(stopped, "episodes.csv"));
        CollectionAssert.AreEqual(EpisodesWithoutWallTime(Path.Combine(Runs, "whole", "episodes.csv")), resumedRows,
            "a run stopped by SIGTERM and resumed equals the uninterrupted run");
        Assert.IsGreaterThan(100, resumedRows.Count);
        Assert.DoesNotContain("\r", File.ReadAllText(Path.Combine(stopped, "episodes.csv")), "one line ending (LF) after resume");
    }

    [TestMethod]
    public void ASecondProcessCannotWriteARunInProgressAndKillReleasesTheLock()
    {
        string runFolder = Path.Combine(Runs, "busy");
        string[] longRun = [.. SmallRun("busy").Select(arg => arg == "total_timesteps=20_000" ? "total_timesteps=10_000_000" : arg)];
        using (var first = CliProcess.Start(CliProcess.WithoutPython, longRun))
        {
            first.WaitUntil(() => File.Exists(Path.Combine(runFolder, "episodes.csv")), Timeout, "episodes.csv");

            var second = CliProcess.Run(CliProcess.WithoutPython, longRun);
            Assert.AreEqual(ExitCodes.RuntimeError, second.ExitCode, second.All);
            StringAssert.Contains(second.All, $"is in use by process {first.Id} on ");

            var resume = CliProcess.Run(CliProcess.WithoutPython, "resume", runFolder);
            Assert.AreEqual(ExitCodes.RuntimeError, resume.ExitCode, resume.All);
            StringAssert.Contains(resume.All, $"process {first.Id}");

            var overwrite = CliProcess.Run(CliProcess.WithoutPython, [.. longRun, "--overwrite"]);
            Assert.AreEqual(ExitCodes.RuntimeError, overwrite.ExitCode, overwrite.All);
            Assert.IsFalse(first.HasExited, "the first run is untouched and still training");

            first.Kill();
        }
        // kill -9 leaves no stale lock: the folder is refused only because it holds a run (exit 2), not as locked.
        var after = CliProcess.Run(CliProcess.WithoutPython, longRun);
        Assert.AreEqual(ExitCodes.UsageError, after.ExitCode, after.All);
        StringAssert.Contains(after.All, "already holds a run");
        StringAssert.Contains(after.All, "dqnbridge resume");
        Assert.IsTrue(File.Exists(Path.Combine(runFolder, RunLock.FileName)));
    }
}
