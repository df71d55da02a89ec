using System.Diagnostics;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// Exact resume on the Gymnasium backend, as a user does it: `dqnbridge train` stopped by SIGINT (Ctrl+C) part way,
/// then `dqnbridge resume`, writes the uninterrupted run's episodes.csv (all columns but wall_time). The CLI runs as
/// a child process, so its Python (the one DQNBRIDGE_PYTHON names) never meets the interpreter other tests embed.
/// Inconclusive when that Python lacks Gymnasium (or Box2D for LunarLander).
/// </summary>
[TestClass]
public sealed class GymnasiumResumeTests
{
    public TestContext TestContext { get; set; } = null!;

    private string _runs = "";

    [TestInitialize]
    public void MakeRunsFolder() => _runs = Directory.CreateTempSubdirectory("dqnbridge-gym-resume-").FullName;

    [TestCleanup]
    public void RemoveRunsFolder() => Directory.Delete(_runs, recursive: true);

    private static string Python => Environment.GetEnvironmentVariable("DQNBRIDGE_PYTHON") is { Length: > 0 } chosen ? chosen : "python3";

    private static void RequireImportable(string modules)
    {
        var probe = new ProcessStartInfo(Python, ["-c", $"import {modules}"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        try
        {
            using var process = Process.Start(probe)!;
            process.WaitForExit();
            if (process.ExitCode == 0)
            {
                return;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        Assert.Inconclusive($"{modules} is not importable from {Python}; set DQNBRIDGE_PYTHON to a Python that has it.");
    }

    private static Process StartCli(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dqnbridge"), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DQNBRIDGE_PYTHON"] = Python;
        return Process.Start(start)!;
    }

    /// <summary>Runs the CLI to the end; with <paramref name="interruptAtFirstProgress"/>, sends SIGINT when it prints its first progress line.</summary>
    private (int ExitCode, string Output) RunCli(bool interruptAtFirstProgress, params string[] args)
    {
        using var process = StartCli(args);
        var errors = process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        var output = new System.Text.StringBuilder();
        bool interrupted = false;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            output.AppendLine(line);
            if (interruptAtFirstProgress && !interrupted && line.StartsWith("step ", StringComparison.Ordinal))
            {
                using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                kill.WaitForExit();
                interrupted = true;
            }
        }
        process.WaitForExit();
        return (process.ExitCode, output + errors.Result);
    }

    private static string[] RowsWithoutWallTime(string runDirectory) =>
        File.ReadAllLines(Path.Combine(runDirectory, "episodes.csv")).Select(line => line[..line.LastIndexOf(',')]).ToArray();

    [TestMethod]
    [DataRow("CartPole-v1", "gymnasium", 1, 40000)]
    [DataRow("LunarLander-v3", "gymnasium, Box2D", 2, 12000)]
    public void StoppedByCtrlCAndResumedGivesTheUninterruptedEpisodes(string envId, string modules, int numEnvs, int steps)
    {
        RequireImportable(modules);
        string[] settings =
        [
            "--env", envId, "backend=gymnasium", "seed=3", $"num_envs={numEnvs}", $"total_timesteps={steps}", "learning_starts=500",
            "train_frequency=4", "target_network_frequency=250", "buffer_size=5000", "batch_size=32", "hidden_sizes=[32, 32]",
            "tensorboard=false", $"runs_dir={_runs}",
        ];
        var whole = RunCli(false, [.. settings, "exp_name=whole"]);
        Assert.AreEqual(0, whole.ExitCode, whole.Output);
        var stopped = RunCli(true, [.. settings, "exp_name=stopped"]);
        Assert.AreEqual(130, stopped.ExitCode, "stopped by SIGINT before the end: " + stopped.Output);
        string wholeRun = Directory.GetDirectories(_runs, $"*__whole__*").Single();
        string stoppedRun = Directory.GetDirectories(_runs, $"*__stopped__*").Single();
        int rowsAtStop = File.ReadAllLines(Path.Combine(stoppedRun, "episodes.csv")).Length;
        Assert.IsGreaterThan(10, rowsAtStop, "stopped after many episodes, so each env's game started from a saved state, not the seed");
        // The environments' state holds each env's current game (at most 1,000 steps here), not the whole run.
        long envStateBytes = new FileInfo(Path.Combine(stoppedRun, "checkpoints", "latest", "env_state.bin")).Length;
        Assert.IsLessThan(numEnvs * 1000L + 8192, envStateBytes);

        var resumed = RunCli(false, "resume", stoppedRun);
        Assert.AreEqual(0, resumed.ExitCode, resumed.Output);
        Assert.DoesNotContain("episodes restart", resumed.Output, "the checkpoint holds the environments' state");
        Assert.DoesNotContain("replays all", resumed.Output, "only the current episodes are replayed");

        string[] expected = RowsWithoutWallTime(wholeRun);
        Assert.IsGreaterThan(rowsAtStop, expected.Length, "episodes end after the interruption too");
        CollectionAssert.AreEqual(expected, RowsWithoutWallTime(stoppedRun));
    }
}
