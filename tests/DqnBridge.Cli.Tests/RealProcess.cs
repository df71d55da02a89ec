using System.Diagnostics;

namespace DqnBridge.Cli.Tests;

/// <summary>The built dqnbridge executable (copied next to the tests), run as a real child process.</summary>
internal sealed class RealProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    private RealProcess(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "dqnbridge.exe" : "dqnbridge");

    public int Id => _process.Id;

    public static RealProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        // These runs use the built-in environments; no Python is needed or wanted.
        start.Environment.Remove("DQNBRIDGE_PYTHON");
        start.Environment["DQNBRIDGE_DEBUG"] = "0";
        return new RealProcess(Process.Start(start)!);
    }

    /// <summary>Runs to the end (at most <paramref name="timeout"/>) and returns the exit code and output.</summary>
    public static (int ExitCode, string Output) Run(TimeSpan timeout, params string[] args)
    {
        using var process = Start(args);
        return process.WaitForExit(timeout);
    }

    public (int ExitCode, string Output) WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"dqnbridge did not finish within {timeout}:\n{_output.Result}\n{_error.Result}");
        }
        _process.WaitForExit();
        return (_process.ExitCode, _output.Result + _error.Result);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Sends a POSIX signal (TERM, HUP, KILL) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.AreEqual(0, kill.ExitCode, $"kill -{name} failed");
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
                Assert.Fail($"dqnbridge ended (exit {_process.ExitCode}) before {what}:\n{_output.Result}\n{_error.Result}");
            if (clock.Elapsed > timeout)
                Assert.Fail($"no {what} within {timeout}");
            _process.WaitForExit(TimeSpan.FromMilliseconds(20));
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
