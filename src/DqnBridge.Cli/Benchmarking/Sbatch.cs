using System.Diagnostics;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>Slurm's sbatch, found on a search path and run with --parsable so that it prints the job id alone.</summary>
public sealed class Sbatch(string executable)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public string Executable { get; } = executable;

    /// <summary>The sbatch in the first folder of <paramref name="searchPath"/> (PATH's syntax) that has one, or null.</summary>
    public static Sbatch? Find(string searchPath) =>
        searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "sbatch"))
            .Where(File.Exists)
            .Select(path => new Sbatch(path))
            .FirstOrDefault();

    /// <summary>Submits <paramref name="script"/> with <paramref name="options"/> before it; returns the job id.</summary>
    public string Submit(IReadOnlyList<string> options, string script, string workingDirectory)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var option in options.Prepend("--parsable").Append(script))
        {
            start.ArgumentList.Add(option);
        }

        var command = ShellWords.Join([Executable, .. start.ArgumentList]);

        using var process = Process.Start(start) ?? throw new CliException($"Cannot start {Executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill();
            throw new CliException($"`{command}` did not answer within {Timeout.TotalMinutes:0} minutes; is slurmctld up? (`scontrol ping` tells)");
        }
        var said = (stdout.Result + stderr.Result).Trim();
        if (process.ExitCode != 0)
        {
            throw new CliException($"`{command}` failed (exit {process.ExitCode}): {said}");
        }
        // --parsable prints "JOBID" or "JOBID;CLUSTER", on the last line (site plugins may print above it).
        var jobId = stdout.Result.Trim().Split('\n').LastOrDefault()?.Split(';')[0].Trim() ?? "";
        if (jobId.Length == 0 || !jobId.All(char.IsAsciiDigit))
        {
            throw new CliException($"`{command}` printed no job id: {said}");
        }

        return jobId;
    }
}
