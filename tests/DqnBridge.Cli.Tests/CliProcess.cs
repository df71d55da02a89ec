using System.Diagnostics;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The real dqnbridge binary in a child process, with its own stdout and stderr: for what only a separate
/// process shows (another embedded Python, native libraries writing to file descriptor 2).
/// </summary>
internal sealed record CliProcess(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    /// <summary>Runs dqnbridge (built next to the tests) with <paramref name="args"/>; <paramref name="environment"/> entries override (null removes).</summary>
    public static CliProcess Run(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        string apphost = Path.Combine(AppContext.BaseDirectory, "dqnbridge");
        var start = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "dqnbridge.dll") } };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new CliProcess(process.ExitCode, output.Result, error.Result);
    }

    public static CliProcess Run(params string[] args) => Run(null, args);

    /// <summary>Lines that come from libraries rather than from dqnbridge: libtorch, SDL, ALSA, pygame, Python warnings.</summary>
    public IReadOnlyList<string> ForeignLines() =>
        All.Split('\n')
            .Where(line => ForeignMarkers.Any(marker => line.Contains(marker, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    private static readonly string[] ForeignMarkers =
        ["NNPACK", "ALSA", "SDL", "pygame", "XDG_RUNTIME_DIR", "Warning:", "warnings.warn", "Traceback"];
}
