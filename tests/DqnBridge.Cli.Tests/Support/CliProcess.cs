using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DqnBridge.Cli.Tests;

/// <summary>What a finished dqnbridge run (in-process or a child process) printed, and its exit code.</summary>
internal sealed record CliOutput(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    /// <summary>.NET stack trace lines look like "   at Namespace.Type.Method(...)".</summary>
    public bool HasStackTrace => All.Contains("   at ", StringComparison.Ordinal);

    /// <summary>Lines that come from libraries rather than from dqnbridge: libtorch, SDL, ALSA, pygame, Python warnings.</summary>
    public IReadOnlyList<string> ForeignLines() =>
        All.Split('\n')
            .Where(line => ForeignMarkers.Any(marker => line.Contains(marker, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    private static readonly string[] ForeignMarkers =
        ["NNPACK", "ALSA", "SDL", "pygame", "XDG_RUNTIME_DIR", "Warning:", "warnings.warn", "Traceback"];
}

/// <summary>
/// The real dqnbridge binary (built next to the tests) in a child process, with its own stdout and stderr: for what
/// only a separate process shows (signals, run locks, another embedded Python, native libraries writing to fd 2).
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
        }
    }

    /// <summary>For runs on the built-in environments: no Python is needed or wanted (and no stack traces).</summary>
    public static readonly IReadOnlyDictionary<string, string?> WithoutPython =
        new Dictionary<string, string?> { ["DQNBRIDGE_PYTHON"] = null, ["DQNBRIDGE_DEBUG"] = "0" };

    /// <summary>For runs on Gymnasium: the Python the suite embeds, so config.yaml and checkpoints record it.</summary>
    public static readonly IReadOnlyDictionary<string, string?> WithSuitePython =
        new Dictionary<string, string?> { ["DQNBRIDGE_PYTHON"] = TestPython.Embedded };

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What it has printed to stdout so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private string Printed
    {
        get
        {
            lock (_output)
                lock (_error)
                {
                    return _output.ToString() + _error;
                }
        }
    }

    /// <summary>Starts dqnbridge with <paramref name="args"/>; <paramref name="environment"/> entries override (null removes).</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        Start(launcher: [], environment, args);

    /// <summary>
    /// Starts dqnbridge as the leader of a process group of its own, with SIGINT and SIGTERM at their default action
    /// (a test runner started in the background ignores SIGINT, and its children inherit that), as a terminal starts
    /// a command: for signals to the whole group (<see cref="SignalGroup"/>). <paramref name="python"/> runs the launcher.
    /// </summary>
    public static CliProcess StartInOwnProcessGroup(string python, IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        Start([python, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGTERM, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])"],
            environment, args);

    private static CliProcess Start(string[] launcher, IReadOnlyDictionary<string, string?>? environment, string[] args)
    {
        string apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "dqnbridge.exe" : "dqnbridge");
        string[] command = File.Exists(apphost) ? [apphost] : ["dotnet", Path.Combine(AppContext.BaseDirectory, "dqnbridge.dll")];
        var start = new ProcessStartInfo(launcher.Length > 0 ? launcher[0] : command[0]);
        foreach (string arg in launcher.Skip(1).Concat(launcher.Length > 0 ? command : command.Skip(1)))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        return new CliProcess(Process.Start(start)!);
    }

    public static CliProcess Start(params string[] args) => Start(null, args);

    /// <summary>Runs dqnbridge to the end (failing after 20 minutes).</summary>
    public static CliOutput Run(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        return process.WaitForExit(TimeSpan.FromMinutes(20));
    }

    public static CliOutput Run(params string[] args) => Run(null, args);

    public CliOutput WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"dqnbridge did not finish within {timeout}:\n{Printed}");
        }
        _process.WaitForExit(); // and for the end of its output
        lock (_output)
            lock (_error)
            {
                return new CliOutput(_process.ExitCode, _output.ToString(), _error.ToString());
            }
    }

    /// <summary>Sends a POSIX signal (INT, TERM, HUP, KILL) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.AreEqual(0, kill.ExitCode, $"kill -{name} failed");
    }

    /// <summary>Sends a POSIX signal to its whole process group, as Ctrl+C in a terminal, systemd and Slurm do (see <see cref="StartInOwnProcessGroup"/>).</summary>
    public void SignalGroup(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, "--", "-" + _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.AreEqual(0, kill.ExitCode, $"kill -{name} to process group {_process.Id} failed");
    }

    /// <summary>
    /// Polls (no fixed sleep) until <paramref name="condition"/> holds; fails when the process ends first or
    /// <paramref name="timeout"/> passes.
    /// </summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited)
            {
                Assert.Fail($"dqnbridge ended (exit {_process.ExitCode}) before {what}:\n{Printed}");
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"no {what} within {timeout}");
            }

            _process.WaitForExit(TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>Ends it at once (SIGKILL to it and its children) and waits for that.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
