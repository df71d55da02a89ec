namespace DqnBridge.Cli.Tests;

/// <summary>Run folders are never overwritten or shared by accident, and run names stay inside runs_dir.</summary>
[TestClass]
public sealed class RunFolderSafetyTests : TempRunsFolderTestBase
{
    private static Dictionary<string, string> Snapshot(string folder) => Directory
        .GetFiles(folder, "*", SearchOption.AllDirectories)
        .Where(f => Path.GetFileName(f) != RunLock.FileName)
        .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllText);

    [TestMethod]
    public void TrainIntoARunFolderThatHoldsARunIsRefused()
    {
        var first = CliRun.Invoke(new FakeBackend(), "total_timesteps=400", RunsDir, "--run-name", "mine");
        Assert.AreEqual(ExitCodes.Ok, first.ExitCode, first.All);
        var folder = Path.Combine(Runs, "mine");
        var before = Snapshot(folder);

        var backend = new FakeBackend();
        var second = CliRun.Invoke(backend, "total_timesteps=800", RunsDir, "--run-name", "mine");

        Assert.AreEqual(ExitCodes.UsageError, second.ExitCode, second.All);
        StringAssert.Contains(second.Error, $"dqnbridge resume {folder}");
        StringAssert.Contains(second.Error, "--overwrite");
        Assert.IsEmpty(backend.TrainedConfigs);
        CollectionAssert.AreEquivalent(before.ToList(), Snapshot(folder).ToList(), "the old run is untouched");
    }

    [TestMethod]
    public void OverwriteReplacesTheOldRunOnlyOnceTheNewOneHasStarted()
    {
        Assert.AreEqual(ExitCodes.Ok, CliRun.Invoke(new FakeBackend(), "total_timesteps=400", RunsDir, "--run-name", "mine").ExitCode);
        var folder = Path.Combine(Runs, "mine");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "from the old run");
        var before = Snapshot(folder);

        // The new run fails before it starts (e.g. its environment cannot be made): nothing moved, nothing deleted.
        var failing = CliRun.Invoke(new FakeBackend { FailWith = new InvalidOperationException("no such environment") },
            "total_timesteps=800", RunsDir, "--run-name", "mine", "--overwrite");
        Assert.AreEqual(ExitCodes.RuntimeError, failing.ExitCode, failing.All);
        CollectionAssert.AreEquivalent(before.ToList(), Snapshot(folder).ToList(), "the old run is untouched");

        // The new run fails after it started but before its first step: the old run is put back.
        var failingAfterStart = CliRun.Invoke(new FakeBackend { FailAfterStart = new InvalidOperationException("out of memory") },
            "total_timesteps=800", RunsDir, "--run-name", "mine", "--overwrite");
        Assert.AreEqual(ExitCodes.RuntimeError, failingAfterStart.ExitCode, failingAfterStart.All);
        StringAssert.Contains(failingAfterStart.Output, "the old run is back");
        CollectionAssert.AreEquivalent(before.ToList(), Snapshot(folder).ToList(), "the old run is back in place");

        var replaced = CliRun.Invoke(new FakeBackend(), "total_timesteps=800", RunsDir, "--run-name", "mine", "--overwrite");
        Assert.AreEqual(ExitCodes.Ok, replaced.ExitCode, replaced.All);
        Assert.IsFalse(File.Exists(Path.Combine(folder, "notes.txt")), "the old run is gone");
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder, TrainingRun.ConfigFile)), "total_timesteps: 800");
        CollectionAssert.AreEqual(new[] { "mine" }, Directory.GetFileSystemEntries(Runs).Select(Path.GetFileName).ToArray(),
            "nothing is left aside");
    }

    [TestMethod]
    public void RunNamesThatLeaveRunsDirAreUsageErrors()
    {
        // runs_dir is a folder inside Runs, so a name that escapes it would land beside config.yaml.
        string runs = Directory.CreateDirectory(Path.Combine(Runs, "runs")).FullName;
        File.WriteAllText(Path.Combine(Runs, "config.yaml"), "precious");
        foreach (var name in new[] { "..", ".", "", " ", "/tmp/elsewhere", "../escape", "a/../..", "./", "..\\x" })
        {
            var backend = new FakeBackend();
            var run = CliRun.Invoke(backend, "total_timesteps=400", $"runs_dir={runs}", "--run-name", name);

            Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, $"'{name}': {run.All}");
            StringAssert.Contains(run.Error, "--run-name");
            Assert.DoesNotContain("warning", run.Error, "one message, before anything else");
            Assert.IsEmpty(backend.TrainedConfigs);
        }
        Assert.AreEqual("precious", File.ReadAllText(Path.Combine(Runs, "config.yaml")));
        CollectionAssert.AreEquivalent(new[] { "runs", "config.yaml" }, Directory.GetFileSystemEntries(Runs).Select(Path.GetFileName).ToArray());
        Assert.IsEmpty(Directory.GetFileSystemEntries(runs));
    }

    [TestMethod]
    public void ALockedRunFolderIsRefusedNamingTheHolder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Runs, "busy")).FullName;
        var backend = new FakeBackend();
        using (RunLock.Acquire(folder))
        {
            var train = CliRun.Invoke(backend, "total_timesteps=400", RunsDir, "--run-name", "busy");
            Assert.AreEqual(ExitCodes.RuntimeError, train.ExitCode, train.All);
            StringAssert.Contains(train.Error, $"is in use by process {Environment.ProcessId} on {Environment.MachineName}");

            var resume = CliRun.Invoke(backend, "resume", folder);
            Assert.AreEqual(ExitCodes.RuntimeError, resume.ExitCode, resume.All);
            StringAssert.Contains(resume.Error, $"process {Environment.ProcessId}");
        }
        Assert.IsEmpty(backend.TrainedConfigs);

        // Released with its holder: the folder can be trained into now.
        var after = CliRun.Invoke(backend, "total_timesteps=400", RunsDir, "--run-name", "busy");
        Assert.AreEqual(ExitCodes.Ok, after.ExitCode, after.All);
    }
}
