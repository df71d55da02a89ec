using System.Diagnostics;
using DqnBridge.Python;

namespace DqnBridge.Python.Tests;

[TestClass]
public sealed class DiscoveryTests
{
    [TestMethod]
    public void AVenvIsFoundWithItsOwnPrefixAndSitePackages()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dqnbridge-venv-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var process = Process.Start(PythonFixture.DebianPython, ["-m", "venv", "--system-site-packages", "--without-pip", dir]))
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

            Environment.SetEnvironmentVariable(PythonInstallation.EnvironmentVariable, python);
            Assert.AreEqual(dir, PythonInstallation.Locate().Prefix, "the environment variable is honoured");
        }
        finally
        {
            Environment.SetEnvironmentVariable(PythonInstallation.EnvironmentVariable, null);
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
    }

    [TestMethod]
    public void TheRunningEngineReportsItsInterpreter()
    {
        Assert.IsTrue(PythonEngine.IsInitialized);
        Assert.AreEqual(PythonFixture.DebianPython, PythonEngine.Installation!.Executable);
        Assert.ThrowsExactly<InvalidOperationException>(() => PythonEngine.Initialize("/some/other/python"));
        using var gil = Py.GIL();
        using var executable = PythonEngine.Eval("__import__('sys').executable");
        Assert.AreEqual(PythonFixture.DebianPython, executable.As<string>());
    }
}
