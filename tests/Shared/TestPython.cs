using System.Diagnostics;

namespace DqnBridge.Tests;

/// <summary>
/// Which Python the tests embed, and what a test does when it needs Gymnasium and that Python lacks it.
/// Linked into every test project that starts Python (one embedded interpreter per test process).
/// </summary>
public static class TestPython
{
    /// <summary>Debian's python3: NumPy (python3-numpy) but no Gymnasium.</summary>
    public const string Debian = "/usr/bin/python3";

    /// <summary>Set to 1 to make "Gymnasium is missing" fail a Gymnasium test instead of making it Inconclusive.</summary>
    public const string RequireGymnasiumVariable = "DQNBRIDGE_REQUIRE_GYMNASIUM";

    /// <summary>
    /// The Python the tests embed: DQNBRIDGE_PYTHON when set (e.g. a venv with real Gymnasium, Box2D and ale-py),
    /// else Debian's python3. It needs NumPy.
    /// </summary>
    public static string Embedded =>
        Environment.GetEnvironmentVariable("DQNBRIDGE_PYTHON") is { Length: > 0 } chosen ? chosen : Debian;

    public static bool GymnasiumRequired => Environment.GetEnvironmentVariable(RequireGymnasiumVariable) == "1";

    /// <summary>Inconclusive (or, with DQNBRIDGE_REQUIRE_GYMNASIUM=1, failed) when <paramref name="available"/> is false.</summary>
    public static void RequireGymnasium(bool available, string what = "gymnasium")
    {
        if (available)
        {
            return;
        }
        string message = $"{what} is not importable from {Embedded}; these tests run where it is (set DQNBRIDGE_PYTHON to such a Python).";
        if (GymnasiumRequired)
        {
            Assert.Fail($"{RequireGymnasiumVariable}=1: {message}");
        }
        Assert.Inconclusive(message);
    }

    /// <summary>
    /// Whether <paramref name="python"/> imports all <paramref name="modules"/>, asked in a child process
    /// (so it works whatever Python this test process embeds).
    /// </summary>
    public static bool Imports(string python, params string[] modules) => Runs(python, "import " + string.Join(", ", modules));

    /// <summary>Whether <paramref name="python"/> runs <paramref name="code"/> with exit code 0, in a child process.</summary>
    public static bool Runs(string python, string code)
    {
        if (!File.Exists(python))
        {
            return false;
        }
        var start = new ProcessStartInfo(python, ["-c", code])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PYGAME_HIDE_SUPPORT_PROMPT"] = "1";
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    /// <summary>
    /// A Python without Gymnasium, for the tests of what happens then: Debian's python3, which lacks it
    /// unless someone installed it there (then those tests are Inconclusive).
    /// </summary>
    public static string WithoutGymnasium()
    {
        if (!Imports(Debian, "numpy"))
        {
            Assert.Inconclusive($"{Debian} with NumPy (python3-numpy) is needed");
        }
        if (Imports(Debian, "gymnasium"))
        {
            Assert.Inconclusive($"{Debian} has gymnasium installed, so it cannot show what happens without it");
        }
        return Debian;
    }
}
