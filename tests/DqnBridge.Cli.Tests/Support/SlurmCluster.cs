using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The real Slurm the Slurm tests submit to: the one-node cluster `tools/local-slurm start` runs (./test.sh starts it
/// and sets DQNBRIDGE_SLURM=1). Its state is read with squeue and scontrol; every wait is bounded and reports what
/// Slurm said when it runs out.
/// </summary>
internal static partial class SlurmCluster
{
    public const string Variable = "DQNBRIDGE_SLURM";

    /// <summary>Inconclusive unless DQNBRIDGE_SLURM=1; then fails when Slurm does not answer.</summary>
    public static void Require()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Assert.Inconclusive($"No Slurm to test against: run `tools/local-slurm start` (as root) and set {Variable}=1; ./test.sh does both.");
        }

        var ping = Run("scontrol", "ping");
        Assert.IsTrue(ping.Contains("is UP", StringComparison.Ordinal), $"{Variable}=1 but slurmctld does not answer: scontrol ping says: {ping}");
    }

    /// <summary>What a Slurm command printed (stdout and stderr), failing the test when it cannot be started.</summary>
    public static string Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new AssertFailedException($"cannot start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            Assert.Fail($"`{command} {string.Join(" ", args)}` did not answer within a minute");
        }
        return stdout.Result + stderr.Result;
    }

    /// <summary>The job ids `benchmark --slurm` printed: the shards' array job and the merge job.</summary>
    public static (string Shards, string Merge) SubmittedJobs(string output)
    {
        var shards = ShardsJob().Match(output);
        var merge = MergeJob().Match(output);
        Assert.IsTrue(shards.Success && merge.Success, $"no job ids in the output of benchmark --slurm:\n{output}");
        return (shards.Groups[1].Value, merge.Groups[1].Value);
    }

    /// <summary>Polls squeue until none of <paramref name="jobIds"/> is pending or running; fails with squeue's and scontrol's view after <paramref name="timeout"/>.</summary>
    public static void WaitUntilEnded(TimeSpan timeout, params string[] jobIds)
    {
        var ids = string.Join(",", jobIds);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var queued = Run("squeue", "-h", "-j", ids, "-o", "%i %T %r");
            // Once Slurm forgets a job, squeue answers "Invalid job id": ended too.
            if (queued.Trim().Length == 0 || queued.Contains("Invalid job id", StringComparison.Ordinal))
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"jobs {ids} have not ended after {timeout}. squeue says:\n{queued}\nscontrol show job says:\n" +
                            string.Join("\n", jobIds.Select(id => Run("scontrol", "show", "job", id))));
            }

            Thread.Sleep(TimeSpan.FromMilliseconds(200)); // the delay between two polls, not a wait for anything
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails, with squeue's view, when job <paramref name="jobId"/> has
    /// ended first or <paramref name="timeout"/> has passed.
    /// </summary>
    public static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what, string jobId)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            var queued = Run("squeue", "-h", "-j", jobId, "-o", "%i %T %r");
            if (queued.Trim().Length == 0 || queued.Contains("Invalid job id", StringComparison.Ordinal))
            {
                Assert.Fail($"job {jobId} ended before {what}; scontrol show job says:\n{Run("scontrol", "show", "job", jobId)}");
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"no {what} after {timeout}; squeue says:\n{queued}");
            }

            Thread.Sleep(TimeSpan.FromMilliseconds(50)); // the delay between two polls, not a wait for anything
        }
    }

    /// <summary>The JobState of every task of a job ("COMPLETED", "FAILED", "CANCELLED", ...), from scontrol show job.</summary>
    public static IReadOnlyList<string> States(string jobId)
    {
        var shown = Run("scontrol", "show", "job", jobId);
        var states = JobState().Matches(shown).Select(m => m.Groups[1].Value).ToList();
        Assert.IsNotEmpty(states, $"scontrol show job {jobId} says:\n{shown}");
        return states;
    }

    /// <summary>Cancels a job (scancel sends SIGTERM to its batch processes, and SIGKILL KillWait seconds later).</summary>
    public static void Cancel(string jobId)
    {
        var said = Run("scancel", jobId);
        Assert.AreEqual("", said.Trim(), $"scancel {jobId}");
    }

    [GeneratedRegex(@"Submitted the shards as job (\d+)")]
    private static partial Regex ShardsJob();

    [GeneratedRegex(@"Submitted the merge as job (\d+)")]
    private static partial Regex MergeJob();

    [GeneratedRegex(@"JobState=(\S+)")]
    private static partial Regex JobState();
}
