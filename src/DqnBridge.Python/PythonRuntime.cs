using Python.Runtime;

namespace DqnBridge.Python;

/// <summary>
/// The process's one CPython interpreter, through pythonnet. <see cref="Start"/> either starts it, from the interpreter
/// <see cref="PythonInstallation"/> finds (the <c>python</c> setting, DQNBRIDGE_PYTHON, python3 on PATH), or, when the
/// host application already initialized pythonnet, shares the host's. Either way the GIL is free outside
/// <c>using (Py.GIL())</c> blocks, so any .NET thread can take it around its Python work and Python's own threads run
/// while .NET works.
/// </summary>
public static class PythonRuntime
{
    private static readonly Lock StartLock = new();
    private static PythonInterpreter? interpreter;

    /// <summary>The interpreter in use; null until <see cref="Start"/> succeeded.</summary>
    public static PythonInterpreter? Interpreter => interpreter;

    /// <summary>
    /// Makes Python usable in this process (thread-safe; later calls return the same interpreter). Call without
    /// holding the GIL. <paramref name="pythonExecutable"/> names the interpreter to start (null or empty: DQNBRIDGE_PYTHON,
    /// else python3 on PATH); naming another interpreter than the one already running is an error, since a process
    /// embeds one interpreter.
    /// </summary>
    /// <exception cref="PythonNotFoundException">No usable interpreter: what was tried and how to fix it.</exception>
    public static PythonInterpreter Start(string? pythonExecutable = null)
    {
        string? requested = string.IsNullOrWhiteSpace(pythonExecutable) ? null : pythonExecutable;
        lock (StartLock)
        {
            if (interpreter is null)
            {
                interpreter = PythonEngine.IsInitialized ? ShareHostInterpreter() : StartOwnInterpreter(requested);
                if (!interpreter.SharedWithHost)
                {
                    return interpreter;
                }
            }
            CheckSameInterpreter(interpreter, requested);
            return interpreter;
        }
    }

    private static PythonInterpreter StartOwnInterpreter(string? requested)
    {
        PythonInstallation found = PythonInstallation.Locate(requested);
        try
        {
            Runtime.PythonDLL = found.LibraryPath;
            // The standard library lives under base_prefix, for a venv too; a venv's own packages come in ConfigurePaths.
            PythonEngine.PythonHome = found.BasePrefix;
            // Registered before pythonnet registers its own handler in Initialize, so it runs first (see RunExitHandlers).
            AppDomain.CurrentDomain.ProcessExit += RunExitHandlers;
            // No signal handlers: Ctrl+C and SIGTERM stay .NET's (training stops with a checkpoint). No sys.argv from
            // our command line: Python code sees sys.argv == [''], as in any embedded interpreter.
            PythonEngine.Initialize(setSysArgv: false, initSigs: false);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or TypeInitializationException or MissingMethodException)
        {
            AppDomain.CurrentDomain.ProcessExit -= RunExitHandlers;
            throw new PythonNotFoundException(
                $"No usable Python: the library of '{found.Executable}' ({found.LibraryPath}) could not be loaded ({Innermost(e).Message.TrimEnd('.')}). " +
                PythonInstallation.Fix, e);
        }
        // Initialize left this thread holding the GIL.
        string prefix;
        using (Py.GIL())
        {
            ConfigurePaths(found);
            prefix = found.Prefix;
        }
        // Release it for good: from now on every thread takes it around its Python work with Py.GIL().
        PythonEngine.BeginAllowThreads();
        return new PythonInterpreter(found.Executable, found.Version, prefix, SharedWithHost: false, found);
    }

    private static PythonInterpreter ShareHostInterpreter()
    {
        using (Py.GIL())
        {
            using PyObject sys = Py.Import("sys");
            using PyObject executable = sys.GetAttr("executable");
            using PyObject prefix = sys.GetAttr("prefix");
            using PyObject versionInfo = sys.GetAttr("version_info");
            var version = new Version(Item(versionInfo, 0), Item(versionInfo, 1), Item(versionInfo, 2));
            return new PythonInterpreter(executable.IsNone() ? "" : executable.As<string>(), version, prefix.As<string>(), SharedWithHost: true, Installation: null);
        }

        static int Item(PyObject tuple, int index)
        {
            using PyObject item = tuple[index];
            return item.As<int>();
        }
    }

    /// <summary>A later request may name the running interpreter (as named, or for the host's, the same environment) but no other.</summary>
    private static void CheckSameInterpreter(PythonInterpreter running, string? requested)
    {
        if (requested is null || requested == running.Executable)
        {
            return;
        }
        if (running.SharedWithHost)
        {
            // The host's sys.executable may be any name: the same version with the same packages (its prefix, or all its
            // site-packages on the host's sys.path) is the same Python.
            PythonInstallation wanted = PythonInstallation.Locate(requested);
            if (wanted.Version == running.Version && (SamePath(wanted.Prefix, running.Prefix) || HostImportsPackagesOf(wanted)))
            {
                return;
            }
            throw new InvalidOperationException(
                $"This process already runs {running.Description}, started by the host application; one process embeds one interpreter, " +
                $"so '{requested}' (Python {wanted.Version}, prefix {wanted.Prefix}) cannot be used too. Leave the 'python' setting empty to use the host's, " +
                "or have the host set Runtime.PythonDLL to that Python's library before PythonEngine.Initialize().");
        }
        throw new InvalidOperationException(
            $"Python is already running from '{running.Executable}'; one process embeds one interpreter, so '{requested}' cannot be used too.");
    }

    private static bool HostImportsPackagesOf(PythonInstallation wanted)
    {
        HashSet<string> hostPath;
        using (Py.GIL())
        {
            using PyObject sys = Py.Import("sys");
            using PyObject path = sys.GetAttr("path");
            hostPath = PythonValues.ToJson(path).EnumerateArray().Select(p => Path.GetFullPath(p.GetString()!).TrimEnd('/')).ToHashSet();
        }
        return wanted.SysPath.Where(p => p.EndsWith("-packages", StringComparison.Ordinal))
            .All(p => hostPath.Contains(Path.GetFullPath(p).TrimEnd('/')));
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);

    /// <summary>Makes the chosen environment's packages importable, including a venv's or conda env's site-packages.</summary>
    private static void ConfigurePaths(PythonInstallation found)
    {
        using var paths = new PyList();
        foreach (string path in found.SysPath)
        {
            using var item = new PyString(path);
            paths.Append(item);
        }
        using PyObject sys = Py.Import("sys");
        using var executable = new PyString(found.AbsoluteExecutable);
        using var prefix = new PyString(found.Prefix);
        sys.SetAttr("path", paths);
        sys.SetAttr("prefix", prefix);
        sys.SetAttr("exec_prefix", prefix);
        // Subprocesses (multiprocessing's spawn, async vector envs) must start the real interpreter, not dotnet.
        sys.SetAttr("executable", executable);
        using var globals = new PyDict();
        PythonEngine.Exec(
            "import site, sys\n" +
            "for _p in list(sys.path):\n" +
            "    if _p.endswith(('site-packages', 'dist-packages')):\n" +
            "        site.addsitedir(_p)\n",
            globals);
    }

    /// <summary>
    /// At process exit, for the interpreter DqnBridge started: Python's atexit handlers (multiprocessing's among them, which
    /// end worker processes) and a flush of Python's stdout and stderr. pythonnet's own exit handler runs after this one;
    /// DqnBridge never calls <see cref="PythonEngine.Shutdown"/> itself (docs/bridge.md says why).
    /// </summary>
    private static void RunExitHandlers(object? sender, EventArgs e)
    {
        if (!PythonEngine.IsInitialized)
        {
            return;
        }
        using (Py.GIL())
        {
            try
            {
                using var globals = new PyDict();
                PythonEngine.Exec("import atexit, sys\natexit._run_exitfuncs()\nsys.stdout.flush()\nsys.stderr.flush()\n", globals);
            }
            catch (PythonException)
            {
                // An atexit handler failed; Python already printed it, and nothing more can be done at exit.
            }
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
