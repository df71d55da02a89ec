namespace DqnBridge.Cli.Tests;

/// <summary>`benchmark` without shards: every cell, then the merged results.</summary>
[TestClass]
public sealed class BenchmarkCommandTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void BenchmarkWritesResultsAndATable()
    {
        var output = Path.Combine(Runs, "bench");

        var run = CliRun.Invoke(new FakeBackend(), "benchmark", "--envs", "CartPole-v1", "Acrobot-v1", "--seeds", "1", "2", "-o", output, "total_timesteps=20000", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var csv = File.ReadAllLines(Path.Combine(output, "results.csv"));
        Assert.HasCount(5, csv, "a header and one row per env x seed");
        StringAssert.StartsWith(csv[0], "env_id,seed,steps,last100_mean_return,episodes,steps_per_second,wall_time_s,dqnbridge_version,git_commit,host");
        StringAssert.StartsWith(csv[1], "CartPole-v1,1,20000,");
        StringAssert.StartsWith(csv[4], "Acrobot-v1,2,20000,");
        StringAssert.Contains(run.Output, "| CartPole-v1 | 2 | 20,000 |");
        StringAssert.Contains(run.Output, "488.69 ± 16.11 (3 seeds, CleanRL docs)");
        StringAssert.Contains(run.Output, "| worse |");
        Assert.IsTrue(File.Exists(Path.Combine(output, "results.md")));
        Assert.IsTrue(File.Exists(Path.Combine(output, "results.png")));
        Assert.HasCount(4, Directory.GetDirectories(output), "one folder per cell");
        Assert.IsFalse(Directory.EnumerateFileSystemEntries(Runs).Any(d => Path.GetFileName(d) != "bench"), "runs live in their cells, not in runs_dir");
    }
}
