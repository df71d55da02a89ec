using System.Diagnostics;
using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// `benchmark --slurm` without a cluster: the batch scripts it writes (run by bash with a stand-in dqnbridge that
/// prints its arguments, so the quoting is checked by the shell itself), its usage errors, and its submissions to a
/// stand-in sbatch that records its calls. The real cluster is in <see cref="SlurmTests"/>.
/// </summary>
[TestClass]
public sealed class SlurmSubmissionTests : TempRunsFolderTestBase
{
    private const string EndOfCall = "--end-of-call--";

    private string _bin = "";
    private string[] _dqnbridge = [];

    [TestInitialize]
    public void MakeStandIns()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("the stand-ins are bash scripts");
        }

        _bin = Path.Combine(Runs, "bin dir");
        Directory.CreateDirectory(_bin);
        // A dqnbridge in a folder with a space and a quote, which prints each argument on a line.
        var tools = Path.Combine(Runs, "my tools's");
        Directory.CreateDirectory(tools);
        _dqnbridge = [Executable(Path.Combine(tools, "dqn bridge"), "printf '%s\\n' \"$@\"")];
    }

    private static string Executable(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>An sbatch that records every call in calls.txt and prints job ids 41, 42, ... as --parsable does (with a cluster name).</summary>
    private void FakeSbatch() => Executable(Path.Combine(_bin, "sbatch"),
        $"calls=\"$(dirname \"$0\")/calls.txt\"; n=$(grep -c -- '^{EndOfCall}$' \"$calls\" 2>/dev/null); printf '%s\\n' \"$@\" {EndOfCall} >> \"$calls\"; echo \"$((41 + n));local\"");

    private List<string[]> SbatchCalls()
    {
        var calls = Path.Combine(_bin, "calls.txt");
        if (!File.Exists(calls))
        {
            return [];
        }

        return [.. File.ReadAllText(calls).Split(EndOfCall + "\n", StringSplitOptions.RemoveEmptyEntries).Select(call => call.TrimEnd('\n').Split('\n'))];
    }

    private CliOutput Slurm(params string[] args) => CliRun.InvokeForSlurm(new FakeBackend(), _bin, _dqnbridge, ["benchmark", .. args]);

    private static readonly string[] Grid = ["--envs", "CartPole-v1", "--seeds", "1", "2", "3"];

    /// <summary>Runs a batch script with bash as a Slurm task would (SLURM_ARRAY_TASK_ID set) and returns the arguments the stand-in dqnbridge got.</summary>
    private static string[] ArgumentsWhenRun(string script, int task)
    {
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SLURM_ARRAY_TASK_ID"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var bash = Process.Start(start)!;
        var printed = bash.StandardOutput.ReadToEnd();
        var errors = bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        Assert.AreEqual(0, bash.ExitCode, $"bash {script}: {errors}");
        return printed.TrimEnd('\n').Split('\n');
    }

    [TestMethod]
    public void TheScriptsRunTheSameDqnbridgeWithTheUsersFolderConfigBaselineAndOverrides()
    {
        var folder = Path.Combine(Runs, "bench 'one'");
        var config = Path.Combine(Runs, "tom's config.yaml");
        File.WriteAllText(config, "learning_rate: 0.001\n");
        var baseline = Path.Combine(Runs, "my baseline.csv");
        File.WriteAllText(baseline, "env_id,seed,return\nCartPole-v1,1,500\n");

        var run = Slurm([.. Grid, "-o", folder, "-c", config, "--baseline", baseline, "--slurm", "--shards", "2", "--dry-run",
            "exp_name=my run", "total_timesteps=2000"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var scripts = Path.Combine(folder, "slurm");
        string[] common = ["benchmark", "--envs", "CartPole-v1", "--seeds", "1", "2", "3", "-o", folder, "-c", config, "--baseline", baseline];
        CollectionAssert.AreEqual((string[])[.. common, "exp_name=my run", "total_timesteps=2000", "--shard", "2/2"],
            ArgumentsWhenRun(Path.Combine(scripts, "shards.sbatch"), task: 2));
        CollectionAssert.AreEqual(new[] { "benchmark", "merge", folder, "--baseline", baseline },
            ArgumentsWhenRun(Path.Combine(scripts, "merge.sbatch"), task: 0));

        var shards = File.ReadAllText(Path.Combine(scripts, "shards.sbatch"));
        StringAssert.StartsWith(shards, "#!/bin/bash\n");
        StringAssert.Contains(shards, "\n#SBATCH --array=1-2\n");
        StringAssert.Contains(shards, $"\n#SBATCH --output=\"{folder}/slurm/logs/shard-%A_%a.out\"\n", "a path with a space in double quotes, which sbatch reads as one word");
        StringAssert.Contains(shards, $"\n#SBATCH --chdir={Environment.CurrentDirectory}\n", "the tasks start where the user submitted, so relative paths in overrides keep their meaning");
        StringAssert.Contains(shards, "\n#SBATCH --signal=B:TERM@120\n");
        StringAssert.Contains(shards, "\nexec ", "dqnbridge replaces the batch shell, so Slurm's SIGTERM reaches it");
        StringAssert.Contains(File.ReadAllText(Path.Combine(scripts, "merge.sbatch")), $"\n#SBATCH --output=\"{folder}/slurm/logs/merge-%j.out\"\n");
        Assert.IsTrue(Directory.Exists(Path.Combine(scripts, "logs")), "Slurm does not make the folder of --output itself");
    }

    [TestMethod]
    public void RelativePathsBecomeAbsoluteAndTheDotnetCommandIsKept()
    {
        var dotnetHosted = new[] { _dqnbridge[0], "/opt/dqn bridge/dqnbridge.dll" };
        var run = CliRun.InvokeForSlurm(new FakeBackend(), _bin, dotnetHosted,
            ["benchmark", .. Grid, "-o", Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(Runs, "rel")), "--slurm", "--dry-run"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var arguments = ArgumentsWhenRun(Path.Combine(Runs, "rel", "slurm", "shards.sbatch"), task: 3);
        Assert.AreEqual("/opt/dqn bridge/dqnbridge.dll", arguments[0], "`dotnet dqnbridge.dll` stays `dotnet dqnbridge.dll`");
        Assert.AreEqual(Path.Combine(Runs, "rel"), arguments[Array.IndexOf(arguments, "-o") + 1]);
        Assert.AreEqual("3/3", arguments[^1], "one shard per cell by default");
    }

    [TestMethod]
    public void SlurmArgsBecomeSbatchLinesOfBothJobsAfterTheDefaults()
    {
        var folder = Path.Combine(Runs, "bench");
        var run = Slurm([.. Grid, "-o", folder, "--slurm", "--dry-run", "--slurm-arg=--partition=gpu", "--slurm-arg", "--time=04:00:00",
            "--slurm-arg=--comment=grid of 3", "--slurm-arg=-A proj", "--slurm-arg=--job-name=mine"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        foreach (var script in new[] { "shards.sbatch", "merge.sbatch" })
        {
            var lines = File.ReadAllLines(Path.Combine(folder, "slurm", script));
            var own = Array.FindIndex(lines, l => l.StartsWith("#SBATCH --job-name=dqnbridge", StringComparison.Ordinal));
            var theirs = Array.IndexOf(lines, "#SBATCH --partition=gpu");
            Assert.IsTrue(own >= 0 && theirs > own, $"{script}: --slurm-arg lines come after ours, so theirs win:\n{string.Join("\n", lines)}");
            CollectionAssert.IsSubsetOf(new[] { "#SBATCH --time=04:00:00", "#SBATCH --comment=\"grid of 3\"", "#SBATCH -A proj", "#SBATCH --job-name=mine" }, lines, script);
        }
    }

    [TestMethod]
    public void DryRunWritesTheScriptsAndSubmitsNothing()
    {
        FakeSbatch();
        var folder = Path.Combine(Runs, "bench");

        var run = Slurm([.. Grid, "-o", folder, "--slurm", "--dry-run"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        Assert.IsEmpty(SbatchCalls());
        StringAssert.Contains(run.Output, "Dry run: nothing submitted");
        StringAssert.Contains(run.Output, $"job=$(sbatch --parsable {Path.Combine(folder, "slurm", "shards.sbatch")})");
        StringAssert.Contains(run.Output, $"sbatch --dependency=afterany:$job {Path.Combine(folder, "slurm", "merge.sbatch")}");
        Assert.IsTrue(File.Exists(Path.Combine(folder, GridManifest.FileName)), "the grid is fixed at once, as the tasks would");
    }

    [TestMethod]
    public void WithoutSbatchTheErrorNamesSlurmAndDryRunAndNothingIsWritten()
    {
        var folder = Path.Combine(Runs, "bench");

        var run = Slurm([.. Grid, "-o", folder, "--slurm"]);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "Slurm's sbatch");
        StringAssert.Contains(run.Error, "no sbatch on PATH");
        StringAssert.Contains(run.Error, "--dry-run");
        Assert.IsFalse(Directory.Exists(folder));
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    public void TheRealBinaryLooksForSbatchOnPath()
    {
        var run = CliProcess.Run(new Dictionary<string, string?>(CliProcess.WithoutPython) { ["PATH"] = _bin },
            ["benchmark", .. Grid, "-o", Path.Combine(Runs, "bench"), "--slurm", "backend=native"]);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "no sbatch on PATH");
    }

    [TestMethod]
    public void SubmitsTheArrayThenTheMergeAfterEveryTaskOfIt()
    {
        FakeSbatch();
        var folder = Path.Combine(Runs, "bench");

        var run = Slurm([.. Grid, "-o", folder, "--slurm", "--shards", "2"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var calls = SbatchCalls();
        Assert.HasCount(2, calls);
        CollectionAssert.AreEqual(new[] { "--parsable", Path.Combine(folder, "slurm", "shards.sbatch") }, calls[0]);
        CollectionAssert.AreEqual(new[] { "--parsable", "--dependency=afterany:41", Path.Combine(folder, "slurm", "merge.sbatch") }, calls[1]);
        StringAssert.Contains(run.Output, "Submitted the shards as job 41, array tasks 1-2");
        StringAssert.Contains(run.Output, "Submitted the merge as job 42; it starts when every task of job 41 has ended");
        StringAssert.Contains(run.Output, "squeue -j 41,42");
        StringAssert.Contains(run.Output, Path.Combine(folder, "slurm", "logs", "shard-41_K.out"));
        StringAssert.Contains(run.Output, Path.Combine(folder, "slurm", "logs", "merge-42.out"));
    }

    [TestMethod]
    public void AResubmissionSubmitsOnlyTheShardsWithUnfinishedCells()
    {
        FakeSbatch();
        var folder = Path.Combine(Runs, "bench");
        string[] grid = ["--envs", "CartPole-v1", "--seeds", "1", "2", "3", "4", "5"];
        Assert.AreEqual(ExitCodes.Ok, Slurm([.. grid, "-o", folder, "--slurm", "--shards", "4", "--dry-run"]).ExitCode);
        // Shard 1 of 4 owns cells 1 and 5, shard 3 cell 3: give them results.
        foreach (var seed in new[] { 1, 3, 5 })
        {
            var result = new CellResult("CartPole-v1", seed, 100, 10, 5, 1000, 0.1, "v", "c", "h");
            Directory.CreateDirectory(Path.Combine(folder, $"CartPole-v1__seed_{seed}"));
            result.Write(Path.Combine(folder, $"CartPole-v1__seed_{seed}", CellResult.FileName));
        }

        var run = Slurm([.. grid, "-o", folder, "--slurm", "--shards", "4"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        CollectionAssert.AreEqual(new[] { "--parsable", "--array=2,4", Path.Combine(folder, "slurm", "shards.sbatch") }, SbatchCalls()[0]);
        StringAssert.Contains(run.Output, "array tasks 2,4 of 1-4 (the other shards' cells all have results)");

        foreach (var seed in new[] { 2, 4 })
        {
            var result = new CellResult("CartPole-v1", seed, 100, 10, 5, 1000, 0.1, "v", "c", "h");
            Directory.CreateDirectory(Path.Combine(folder, $"CartPole-v1__seed_{seed}"));
            result.Write(Path.Combine(folder, $"CartPole-v1__seed_{seed}", CellResult.FileName));
        }
        var done = Slurm([.. grid, "-o", folder, "--slurm", "--shards", "4"]);

        Assert.AreEqual(ExitCodes.Ok, done.ExitCode, done.All);
        CollectionAssert.AreEqual(new[] { "--parsable", Path.Combine(folder, "slurm", "merge.sbatch") }, SbatchCalls()[^1]);
        StringAssert.Contains(done.Output, "Every cell already has its result: submitted only the merge, as job 43");
    }

    [TestMethod]
    public void WhatSbatchSaysWhenItRefusesIsShown()
    {
        Executable(Path.Combine(_bin, "sbatch"), "echo 'sbatch: error: invalid partition specified: nope' >&2; exit 1");

        var run = Slurm([.. Grid, "-o", Path.Combine(Runs, "bench"), "--slurm", "--slurm-arg=--partition=nope"]);

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "failed (exit 1): sbatch: error: invalid partition specified: nope");
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    [DataRow("--shards=2", "go with --slurm")]
    [DataRow("--dry-run", "go with --slurm")]
    [DataRow("--slurm-arg=--partition=gpu", "go with --slurm")]
    [DataRow("--slurm --shard 1/2", "leave out --shard")]
    [DataRow("--slurm --shards 0", "between 1 and the grid's 3 cell(s)")]
    [DataRow("--slurm --shards 4", "between 1 and the grid's 3 cell(s)")]
    [DataRow("--slurm --slurm-arg=partition=gpu", "is not an sbatch option")]
    [DataRow("--slurm --slurm-arg=--array=1-3", "sets the job array itself")]
    [DataRow("--slurm --slurm-arg=-a1-3", "sets the job array itself")]
    public void MisusedSlurmOptionsAreUsageErrors(string options, string message)
    {
        FakeSbatch();
        var run = Slurm([.. Grid, "-o", Path.Combine(Runs, "bench"), .. options.Split(' ')]);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, message);
        Assert.IsEmpty(SbatchCalls());
    }

    [TestMethod]
    public void SlurmNeedsAnOutputFolder()
    {
        FakeSbatch();
        var run = Slurm([.. Grid, "--slurm"]);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "--slurm needs -o FOLDER, on a filesystem every node of the cluster sees");
    }

    [TestMethod]
    public void ArrayRangesAreWrittenAsSbatchTakesThem()
    {
        Assert.AreEqual("1-3,5,7-8", SlurmSubmission.ArrayRanges([1, 2, 3, 5, 7, 8]));
        Assert.AreEqual("4", SlurmSubmission.ArrayRanges([4]));
    }

    [TestMethod]
    public void ShellWordsSurviveBash()
    {
        string[] words = ["plain", "with space", "it's", "$HOME", "a\"b", "*", "", "key=value with `tick`"];
        var start = new ProcessStartInfo("bash", ["-c", "printf '%s\\n' " + ShellWords.Join(words)]) { RedirectStandardOutput = true };
        using var bash = Process.Start(start)!;
        var printed = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        CollectionAssert.AreEqual(words, printed.TrimEnd('\n').Split('\n'));
        Assert.AreEqual("plain", ShellWords.Quote("plain"), "a plain word stays readable");
    }
}
