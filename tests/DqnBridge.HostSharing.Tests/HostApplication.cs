using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.HostSharing.Tests;

/// <summary>
/// What a host application that already uses pythonnet does before it ever calls DqnBridge: it initializes pythonnet
/// with its own Python and runs Python of its own. Then (the tests) DqnBridge runs in the same process and shares that
/// interpreter. docs/bridge.md shows this code.
/// </summary>
[TestClass]
public static class HostApplication
{
    /// <summary>The host's own Python state, which DqnBridge must leave alone.</summary>
    public static PyModule HostScope { get; private set; } = null!;

    /// <summary>The host's sys.executable, version and prefix, as the host itself sees them.</summary>
    public static (string Executable, Version Version, string Prefix) HostPython { get; private set; }

    [AssemblyInitialize]
    public static void StartPythonAsTheHostDoes(TestContext _)
    {
        // The host knows its Python; this test asks the suite's (with NumPy; with Gymnasium when DQNBRIDGE_PYTHON names one).
        PythonInstallation python = PythonInstallation.Locate(TestPython.Embedded);

        Runtime.PythonDLL = python.LibraryPath;
        PythonEngine.PythonHome = python.BasePrefix;
        PythonEngine.Initialize();
        using (Py.GIL())
        {
            HostScope = Py.CreateScope("host");
            HostScope.Set("site_dirs", python.SysPath.Where(p => p.EndsWith("-packages", StringComparison.Ordinal)).ToArray());
            HostScope.Exec(
                "import site, sys\n" +
                "for d in site_dirs:\n" +
                "    site.addsitedir(d)\n" +
                "import numpy as np\n" +
                "orders = np.array([3.0, 4.5, 1.5])\n" +
                "def total():\n" +
                "    return float(orders.sum())\n");
            using PyObject executable = HostScope.Eval("sys.executable");
            using PyObject version = HostScope.Eval("'.'.join(str(v) for v in sys.version_info[:3])");
            using PyObject prefix = HostScope.Eval("sys.prefix");
            HostPython = (executable.As<string>(), Version.Parse(version.As<string>()), prefix.As<string>());
        }
        // The host lets other threads take the GIL (DqnBridge does its Python work inside Py.GIL() blocks).
        PythonEngine.BeginAllowThreads();
    }

    [AssemblyCleanup]
    public static void ShutDownPythonAsTheHostDoes()
    {
        using (Py.GIL())
        {
            HostScope.Dispose();
        }
        // The host ends Python when it is done: DqnBridge never shut it down, and left nothing that stops the host from doing so.
        PythonEngine.Shutdown();
    }
}
