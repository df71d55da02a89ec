using System.Diagnostics;
using Python.Runtime;

namespace DqnBridge.Python.Tests;

[TestClass]
public sealed class DiscoveryTests
{
    [TestMethod]
    public void AVenvIsFoundWithItsOwnPrefixAndSitePackages()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dqnbridge-venv-" + Guid.NewGuid().ToString("N"));
        string? previous = Environment.GetEnvironmentVariable(PythonInstallation.EnvironmentVariable);
        try
        {
            using (var process = Process.Start(TestPython.Debian, ["-m", "venv", "--system-site-packages", "--without-pip", dir]))
            {
                process.WaitForExit();
                Assert.AreEqual(0, process.ExitCode, "python3 -m venv failed");
            }
            string python = Path.Combine(dir, "bin", "python3");
            PythonInstallation found = PythonInstallation.Locate(python);
            Assert.AreEqual(dir, found.Prefix);
            Assert.AreEqual("/usr", found.BasePrefix);
            Assert.IsTrue(File.Exists(found.LibraryPath), found.LibraryPath);
            Assert.IsTrue(found.SysPath.Any(p => p.StartsWith(dir, StringComparison.Ordinal) && p.EndsWith("site-packages", StringComparison.Ordinal)),
                string.Join(", ", found.SysPath));
            Assert.IsTrue(found.SysPath.Contains("/usr/lib/python3/dist-packages"), "system site packages are visible");

            Assert.AreEqual(python, found.AbsoluteExecutable, "a venv's python is recorded as the venv's, not the interpreter it links to");

            Environment.SetEnvironmentVariable(PythonInstallation.EnvironmentVariable, python);
            Assert.AreEqual(dir, PythonInstallation.Locate().Prefix, "the environment variable is honoured");
        }
        finally
        {
            Environment.SetEnvironmentVariable(PythonInstallation.EnvironmentVariable, previous);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [TestMethod]
    public void AWrongInterpreterPathGivesOneClearError()
    {
        var error = Assert.ThrowsExactly<PythonNotFoundException>(() => PythonInstallation.Locate("/no/such/python3"));
        Assert.Contains("/no/such/python3", error.Message);
        Assert.Contains(PythonInstallation.EnvironmentVariable, error.Message);

        var notPython = Assert.ThrowsExactly<PythonNotFoundException>(() => PythonInstallation.Locate("/bin/false"));
        Assert.Contains("exited with code", notPython.Message);
        Assert.Contains("not a Python 3.10+ interpreter", notPython.Message);
    }

    [TestMethod]
    [DataRow("/bin/true")] // runs, succeeds, prints nothing
    [DataRow("/bin/echo")] // prints its arguments, which are no Python's answer
    [DataRow("/bin/cat")] // fails on -c and waits for no input
    public void AProgramThatIsNotPythonIsNamedAsSuch(string program)
    {
        var error = Assert.ThrowsExactly<PythonNotFoundException>(() => PythonInstallation.Locate(program));

        Assert.Contains($"'{program}' (from the 'python' setting) is not a Python 3.10+ interpreter", error.Message);
        Assert.DoesNotContain("Traceback", error.Message);
        Assert.DoesNotContain("JSON", error.Message);
        Assert.Contains("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt", error.Message);
    }

    /// <summary>Old interpreters (pyenv's, where installed) answer the probe with their version and are refused by it.</summary>
    [TestMethod]
    [DataRow("2.7")]
    [DataRow("3.9")]
    public void AnOldPythonIsRefusedWithItsVersion(string series)
    {
        string versions = Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".pyenv", "versions");
        string? python = Directory.Exists(versions)
            ? Directory.GetDirectories(versions, series + ".*").Select(d => Path.Combine(d, "bin", "python")).FirstOrDefault(File.Exists)
            : null;
        if (python is null)
        {
            Assert.Inconclusive($"no Python {series} under {versions}");
        }

        var error = Assert.ThrowsExactly<PythonNotFoundException>(() => PythonInstallation.Locate(python));

        Assert.Contains("is not a Python 3.10+ interpreter: it is Python " + series + ".", error.Message);
    }

    [TestMethod]
    public void TheRunningInterpreterIsTheOneStartedAndNoOtherCanJoin()
    {
        PythonInterpreter running = PythonRuntime.Interpreter!;
        Assert.AreEqual(TestPython.Debian, running.Executable);
        Assert.IsFalse(running.SharedWithHost, "this test process never initialized pythonnet itself");
        Assert.AreEqual(3, running.Version.Major);
        Assert.AreSame(running, PythonRuntime.Start(TestPython.Debian), "starting again returns the running interpreter");
        Assert.AreSame(running, PythonRuntime.Start(), "as does starting without naming one");
        var other = Assert.ThrowsExactly<InvalidOperationException>(() => PythonRuntime.Start("/some/other/python"));
        Assert.Contains("one process embeds one interpreter", other.Message);
        using var gil = Py.GIL();
        using PyObject executable = PythonEngine.Eval("__import__('sys').executable");
        Assert.AreEqual(TestPython.Debian, executable.As<string>(), "subprocesses (multiprocessing's spawn) start the real interpreter");
        using PyObject argv = PythonEngine.Eval("__import__('sys').argv");
        Assert.AreEqual("['']", argv.ToString(), "Python code does not see the test host's command line");
    }
}
