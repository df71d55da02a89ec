using System.Globalization;

namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class CommandTests : RunsFolderTest
{
    [TestMethod]
    public void TrainWritesTheRunFolderAndASummary()
    {
        var backend = new FakeBackend();
        var run = CliRun.Invoke(backend, "--env", "CartPole-v1", "total_timesteps=2000", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var runDirectory = Directory.GetDirectories(Runs).Single();
        StringAssert.Matches(Path.GetFileName(runDirectory), new System.Text.RegularExpressions.Regex(@"^CartPole-v1__dqn__1__\d+$"));
        Assert.AreEqual(2000L, backend.TrainedConfigs.Single().TotalTimesteps);

        var config = File.ReadAllText(Path.Combine(runDirectory, TrainingRun.ConfigFile));
        StringAssert.Contains(config, "total_timesteps: 2000");
        var png = File.ReadAllBytes(Path.Combine(runDirectory, TrainingRun.CurveFile));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        StringAssert.Contains(run.Output, "step 2,000/2,000");
        StringAssert.Contains(run.Output, "Training finished.");
        StringAssert.Contains(run.Output, "mean return");
        StringAssert.Contains(run.Output, "dqnbridge evaluate");
    }

    [TestMethod]
    public void TrainSubcommandAndConfigFileWork()
    {
        var file = Path.Combine(Runs, "my.yaml");
        File.WriteAllText(file, "total_timesteps: 400\nseed: 3\n");
        var backend = new FakeBackend();

        var run = CliRun.Invoke(backend, "train", "-c", file, "--run-name", "ALE/odd name", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        Assert.AreEqual(3, backend.TrainedConfigs.Single().Seed);
        Assert.IsTrue(Directory.Exists(Path.Combine(Runs, "ALE-odd-name")), run.All);
    }

    [TestMethod]
    public void UnwritableOutputFolderIsAClearError()
    {
        var blocker = Path.Combine(Runs, "a-file");
        File.WriteAllText(blocker, "");

        var run = CliRun.Invoke(new FakeBackend(), $"runs_dir={blocker}", "total_timesteps=100");

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "Cannot write the run folder");
        StringAssert.Contains(run.Error, "runs_dir=");
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    public void CtrlCWritesACheckpointAndExits130()
    {
        var run = CliRun.Invoke(new FakeBackend { CancelAfterSteps = 500 }, "total_timesteps=2000", RunsDir);

        Assert.AreEqual(ExitCodes.Cancelled, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Training interrupted.");
        StringAssert.Contains(run.Error, "checkpoint written to");
        StringAssert.Contains(run.Output, "episodes       25");
    }

    [TestMethod]
    public void ErrorsFromLowerLayersShowTheirMessageWithoutStackTrace()
    {
        var failure = new InvalidOperationException("Unknown environment 'Foo-v0'", new KeyNotFoundException("no such key in the registry"));

        var run = CliRun.Invoke(new FakeBackend { FailWith = failure }, "--env", "Foo-v0", RunsDir);

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode);
        StringAssert.Contains(run.Error, "Unknown environment 'Foo-v0'");
        StringAssert.Contains(run.Error, "caused by: no such key in the registry");
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    public void CausedByNeverRepeatsTheMessageAboveIt()
    {
        // Layers often quote their cause in their own message: the cause then adds nothing.
        var quoted = new InvalidOperationException("Checkpoint 'x' cannot be restored: file is short",
            new IOException("file is short", new IOException("file is short")));
        var message = CliApp.DescribeUnexpected(quoted);
        Assert.AreEqual(1, message.Split("file is short").Length - 1, message);
        Assert.DoesNotContain("caused by", message);

        var distinct = CliApp.DescribeUnexpected(new InvalidOperationException("outer", new IOException("inner")));
        StringAssert.Contains(distinct, "outer\n  caused by: inner");
    }

    [TestMethod]
    public void AnUnknownBuiltInEnvironmentIsAClearErrorWithSuggestions()
    {
        // Another version of a built-in name is a usage error before anything starts, with or without Python.
        foreach (var backendChoice in new[] { "backend=native", "backend=auto", "backend=gymnasium" })
        {
            var backend = new FakeBackend();
            var run = CliRun.Invoke(backend, "--env", "CartPole-v9", backendChoice, RunsDir);

            Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
            StringAssert.Contains(run.Error, "Unknown environment 'CartPole-v9'. Did you mean CartPole-v0 or CartPole-v1?");
            Assert.IsFalse(run.HasStackTrace, run.All);
            Assert.IsEmpty(backend.TrainedConfigs);
        }
        var typo = CliRun.Invoke(AgentBackend.OnEnvironmentLayer(_ => { }), "--env", "CartPol-v1", "backend=native", RunsDir);
        Assert.AreEqual(ExitCodes.RuntimeError, typo.ExitCode, typo.All);
        StringAssert.Contains(typo.Error, "CartPole-v1");
        Assert.IsEmpty(Directory.GetDirectories(Runs));
    }

    [TestMethod]
    public void EvaluateWritesReturnsCsv()
    {
        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;

        var run = CliRun.Invoke(new FakeBackend(), "evaluate", checkpoint, "-n", "4");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var lines = File.ReadAllLines(Path.Combine(Runs, "eval_returns.csv"));
        Assert.AreEqual("episode,episodic_return", lines[0]);
        CollectionAssert.AreEqual(new[] { 100.0, 101, 102, 103 }, lines[1..].Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray());
        StringAssert.Contains(run.Output, "mean return 101.50");
    }

    [TestMethod]
    public void EvaluateRecordsAVideo()
    {
        if (!Output.VideoWriter.FfmpegAvailable())
        {
            Assert.Inconclusive("ffmpeg is not installed");
        }

        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;
        var video = Path.Combine(Runs, "agent.gif");

        var run = CliRun.Invoke(new FakeBackend(), "evaluate", checkpoint, "-n", "2", "--video", video);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Video (10 frames)");
        CollectionAssert.AreEqual("GIF8"u8.ToArray(), File.ReadAllBytes(video)[..4]);
    }

    [TestMethod]
    public void EvaluateExplainsBadInputsWithoutAStackTrace()
    {
        var backend = new FakeBackend();
        var missing = CliRun.Invoke(backend, "evaluate", Path.Combine(Runs, "nope"));
        Assert.AreEqual(ExitCodes.RuntimeError, missing.ExitCode);
        StringAssert.Contains(missing.Error, "does not exist");

        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;

        var corrupt = CliRun.Invoke(new FakeBackend { FailWith = new InvalidDataException("checkpoint.pt is corrupt: unexpected end of file") }, "evaluate", checkpoint);
        Assert.AreEqual(ExitCodes.RuntimeError, corrupt.ExitCode);
        StringAssert.Contains(corrupt.Error, "corrupt");

        var unwritable = CliRun.Invoke(backend, "evaluate", checkpoint, "-o", Path.Combine(Runs, "no-such-folder", "returns.csv"));
        Assert.AreEqual(ExitCodes.RuntimeError, unwritable.ExitCode);
        StringAssert.Contains(unwritable.Error, "Cannot write");

        foreach (var run in new[] { missing, corrupt, unwritable })
        {
            Assert.IsFalse(run.HasStackTrace, run.All);
        }
    }

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

    [TestMethod]
    public void HelpListsEveryCommand()
    {
        var run = CliRun.Invoke(new FakeBackend(), "--help");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode);
        foreach (var command in new[] { "train", "evaluate", "benchmark", "envs", "config" })
        {
            StringAssert.Contains(run.Output, command);
        }
    }

    [TestMethod]
    public void ConfigKeysPrintsEveryKeyFromTheCode()
    {
        var run = CliRun.Invoke(new FakeBackend(), "config", "keys", "--markdown");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode);
        foreach (var key in Config.ConfigKeys.All)
        {
            StringAssert.Contains(run.Output, $"| `{key.Name}` |");
        }

        StringAssert.Contains(run.Output, "| `learning_rate` | double | `0.00025` |");
    }

    [TestMethod]
    public void EnvsListsBackendsAndEnvironments()
    {
        var run = CliRun.Invoke(new FakeBackend(), "envs");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode);
        StringAssert.Contains(run.Output, "native");
        StringAssert.Contains(run.Output, "CartPole-v1");
    }
}

[TestClass]
public sealed class DocumentationTests
{
    [TestMethod]
    public void ConfigKeysPageHoldsTheGeneratedTable()
    {
        var page = Enumerable.Range(0, 8)
            .Select(up => Path.Combine([AppContext.BaseDirectory, .. Enumerable.Repeat("..", up), "docs", "config-keys.md"]))
            .First(File.Exists);

        var generated = CliRun.Invoke(new FakeBackend(), "config", "keys", "--markdown").Output;

        StringAssert.Contains(File.ReadAllText(page).ReplaceLineEndings(), generated.ReplaceLineEndings(),
            "docs/config-keys.md is out of date: regenerate its key table with `dqnbridge config keys --markdown`.");
    }
}
