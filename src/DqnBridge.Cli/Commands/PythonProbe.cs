using System.ComponentModel;
using System.Diagnostics;

namespace DqnBridge.Cli.Commands;

/// <summary>Asks a Python executable, in a child process, whether it can import Gymnasium.</summary>
public static class PythonProbe
{
    public static BackendStatus Gymnasium(string python)
    {
        var executable = string.IsNullOrWhiteSpace(python) ? "python3" : python;
        const string script = "import sys; print(sys.version.split()[0]); import gymnasium; print(gymnasium.__version__)";
        try
        {
            var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return new BackendStatus("gymnasium", false, $"{executable} did not answer within 30 s");
            }
            var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (process.ExitCode == 0 && lines.Length >= 2)
                return new BackendStatus("gymnasium", true, $"Gymnasium {lines[1]} in {executable} (Python {lines[0]})");
            var python3 = lines.Length >= 1 ? $"Python {lines[0]}" : executable;
            return new BackendStatus("gymnasium", false,
                $"{python3} at {executable} cannot import gymnasium: install it with `{executable} -m pip install gymnasium`" +
                (stderr.Result.Contains("ModuleNotFoundError") ? "" : $" ({LastLine(stderr.Result)})"));
        }
        catch (Win32Exception)
        {
            return new BackendStatus("gymnasium", false,
                $"no Python found at '{executable}': install Python 3 with Gymnasium, or name one with python=PATH or DQNBRIDGE_PYTHON");
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
}
