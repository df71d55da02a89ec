using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Tests;

/// <summary>Signals and concurrent processes, with the real dqnbridge executable on the built-in CartPole.</summary>
[TestClass]
public sealed class ProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private string _runs = "";

    [TestInitialize]
    public void MakeRunsFolder()
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("POSIX signals and flock are Linux features");
        _runs = Directory.CreateTempSubdirectory("dqnbridge-process-").FullName;
    }

    [TestCleanup]
    public void RemoveRunsFolder()
    {
        if (_runs.Length > 0)
            Directory.Delete(_runs, recursive: true);
    }

    /// <summary>A small CartPole run (train_frequency 1 keeps it busy for a few seconds, long enough to be stopped).</summary>
    private string[] SmallRun(string runName) =>
    [
        "train", "--env", "CartPole-v1", "backend=native", "total_timesteps=20_000", "learning_starts=1000", "train_frequency=1",
        "checkpoint_frequency=0", "tensorboard=false", $"runs_dir={_runs}", "--run-name", runName,
    ];

    private static bool HasRows(string csv, int bytes) => File.Exists(csv) && new FileInfo(csv).Length > bytes;

    /// <summary>episodes.csv without its wall_time column (the only one that may differ between runs).</summary>
    private static List<string> WithoutWallTime(string csv) =>
        File.ReadAllLines(csv).Select(line => line[..line.LastIndexOf(',')]).ToList();

    [TestMethod]
    [DataRow("TERM", ExitCodes.Terminated)]
    [DataRow("HUP", ExitCodes.HungUp)]
    public void StopSignalWritesACheckpointAndResumeGivesTheUninterruptedRun(string signal, int exitCode)
    {
        string stopped = Path.Combine(_runs, "stopped");
        using (var training = RealProcess.Start(SmallRun("stopped")))
        {
            // Progress evidence: episodes.csv holds more than its header (its writer flushes every few KB).
            training.WaitUntil(() => HasRows(Path.Combine(stopped, "episodes.csv"), 2000), Timeout, "episodes in episodes.csv");
            training.Signal(signal);
            var (code, output) = training.WaitForExit(Timeout);

            Assert.AreEqual(exitCode, code, output);
            StringAssert.Contains(output, $"Stopping (SIG{signal})");
            StringAssert.Contains(output, "checkpoint written to");
        }
        Assert.IsTrue(File.Exists(Path.Combine(stopped, "checkpoints", "latest", "manifest.json")), "checkpoint present");
        long stoppedAt = TrainingRun.ReadEpisodes(Path.Combine(stopped, "episodes.csv")).Last().GlobalStep;
        Assert.IsLessThan(19_000L, stoppedAt, "stopped before the end");
        if (signal != "TERM")
            return;

        var resumed = RealProcess.Run(Timeout, "resume", stopped);
        Assert.AreEqual(ExitCodes.Ok, resumed.ExitCode, resumed.Output);

        var whole = RealProcess.Run(Timeout, SmallRun("whole"));
        Assert.AreEqual(ExitCodes.Ok, whole.ExitCode, whole.Output);

        var resumedRows = WithoutWallTime(Path.Combine(stopped, "episodes.csv"));
        CollectionAssert.AreEqual(WithoutWallTime(Path.Combine(_runs, "whole", "episodes.csv")), resumedRows,
            "a run stopped by SIGTERM and resumed equals the uninterrupted run");
        Assert.IsGreaterThan(100, resumedRows.Count);
        Assert.DoesNotContain("\r", File.ReadAllText(Path.Combine(stopped, "episodes.csv")), "one line ending (LF) after resume");
    }

    [TestMethod]
    public void ASecondProcessCannotWriteARunInProgressAndKillReleasesTheLock()
    {
        string runFolder = Path.Combine(_runs, "busy");
        string[] longRun = [.. SmallRun("busy").Select(arg => arg == "total_timesteps=20_000" ? "total_timesteps=10_000_000" : arg)];
        using (var first = RealProcess.Start(longRun))
        {
            first.WaitUntil(() => File.Exists(Path.Combine(runFolder, "episodes.csv")), Timeout, "episodes.csv");

            var second = RealProcess.Run(Timeout, longRun);
            Assert.AreEqual(ExitCodes.RuntimeError, second.ExitCode, second.Output);
            StringAssert.Contains(second.Output, $"is in use by process {first.Id} on ");

            var resume = RealProcess.Run(Timeout, "resume", runFolder);
            Assert.AreEqual(ExitCodes.RuntimeError, resume.ExitCode, resume.Output);
            StringAssert.Contains(resume.Output, $"process {first.Id}");

            var overwrite = RealProcess.Run(Timeout, [.. longRun, "--overwrite"]);
            Assert.AreEqual(ExitCodes.RuntimeError, overwrite.ExitCode, overwrite.Output);
            Assert.IsFalse(first.HasExited, "the first run is untouched and still training");

            first.Signal("KILL");
            first.WaitForExit(Timeout);
        }
        // kill -9 leaves no stale lock: the folder is refused only because it holds a run (exit 2), not as locked.
        var after = RealProcess.Run(Timeout, longRun);
        Assert.AreEqual(ExitCodes.UsageError, after.ExitCode, after.Output);
        StringAssert.Contains(after.Output, "already holds a run");
        StringAssert.Contains(after.Output, "dqnbridge resume");
        Assert.IsTrue(File.Exists(Path.Combine(runFolder, RunLock.FileName)));
    }
}
