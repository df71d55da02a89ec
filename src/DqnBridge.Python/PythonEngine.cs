using System.Runtime.InteropServices;

namespace DqnBridge.Python;

/// <summary>
/// The embedded interpreter, as pythonnet's PythonEngine: initialize once per process (thread-safe),
/// then take the GIL with <see cref="Py.GIL"/> around any Python work. Outside GIL scopes the GIL is
/// released, so Python threads keep running while .NET works.
/// </summary>
public static unsafe class PythonEngine
{
    private static readonly Lock InitLock = new();
    private static PythonInstallation? installation;
    private static volatile bool initialized;
    private static volatile bool shutDown;
    private static nint homeString;

    public static bool IsInitialized => initialized && !shutDown;

    /// <summary>The interpreter in use; null before <see cref="Initialize"/>.</summary>
    public static PythonInstallation? Installation => installation;

    /// <summary>
    /// Loads and starts the interpreter found by <see cref="PythonInstallation.Locate"/>. Later calls
    /// return at once; a later call naming a different executable is an error.
    /// </summary>
    public static void Initialize(string? pythonExecutable = null)
    {
        lock (InitLock)
        {
            if (shutDown)
            {
                throw new InvalidOperationException("The Python engine was shut down; it cannot be restarted in this process.");
            }
            if (initialized)
            {
                if (!string.IsNullOrWhiteSpace(pythonExecutable) && installation!.Executable != pythonExecutable)
                {
                    throw new InvalidOperationException(
                        $"Python is already running from '{installation.Executable}'; one process embeds one interpreter, so '{pythonExecutable}' cannot be used too.");
                }
                return;
            }
            PythonInstallation found = PythonInstallation.Locate(pythonExecutable);
            CApi.Load(found.LibraryPath);
            if (CApi.Py_SetPythonHome != null)
            {
                // The standard library lives under base_prefix even for a venv; set it before the interpreter starts.
                homeString = Marshal.AllocHGlobal((found.BasePrefix.Length + 1) * 4);
                int* wide = (int*)homeString;
                int i = 0;
                foreach (System.Text.Rune rune in found.BasePrefix.EnumerateRunes())
                {
                    wide[i++] = rune.Value;
                }
                wide[i] = 0;
                CApi.Py_SetPythonHome((char*)homeString);
            }
            // 0: leave signal handling (Ctrl+C) to .NET.
            CApi.Py_InitializeEx(0);
            if (CApi.Py_IsInitialized() == 0)
            {
                throw new PythonNotFoundException($"Python from {found.LibraryPath} failed to initialize.");
            }
            installation = found;
            initialized = true;
            ConfigurePaths(found);
            // Release the GIL this thread got from initialization; every use takes it back with Py.GIL().
            CApi.PyEval_SaveThread();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
        }
    }

    /// <summary>Makes the chosen environment's packages importable, including a venv's or conda env's site-packages.</summary>
    private static void ConfigurePaths(PythonInstallation found)
    {
        using var paths = PyObject.FromManaged(found.SysPath.ToList());
        using var executable = PyObject.FromManaged(found.Executable);
        using var prefix = PyObject.FromManaged(found.Prefix);
        using var sys = Py.Import("sys");
        sys.SetAttr("path", paths);
        sys.SetAttr("prefix", prefix);
        sys.SetAttr("exec_prefix", prefix);
        // Subprocesses (multiprocessing, async vector envs) must start the real interpreter, not dotnet.
        sys.SetAttr("executable", executable);
        Exec(
            "import site, sys\n" +
            "for _p in list(sys.path):\n" +
            "    if _p.endswith(('site-packages', 'dist-packages')):\n" +
            "        site.addsitedir(_p)\n");
    }

    /// <summary>Runs Python statements; <paramref name="globals"/> defaults to a fresh namespace.</summary>
    public static void Exec(string code, PyObject? globals = null)
    {
        using var gil = Py.GIL();
        using var result = CallBuiltin("exec", code, globals);
    }

    /// <summary>Evaluates a Python expression and returns its value.</summary>
    public static PyObject Eval(string expression, PyObject? globals = null) => CallBuiltin("eval", expression, globals);

    /// <summary>Python's exec or eval of <paramref name="code"/> in <paramref name="globals"/>, or in a fresh namespace.</summary>
    private static PyObject CallBuiltin(string name, string code, PyObject? globals)
    {
        using var gil = Py.GIL();
        using var scope = globals is null ? Py.NewDict() : null;
        using var builtins = Py.Import("builtins");
        using var function = builtins.GetAttr(name);
        return function.Invoke(code, globals ?? scope);
    }

    /// <summary>
    /// Runs Python's atexit handlers and flushes its streams, then stops all further Python use.
    /// The interpreter is not finalized: finalizing from an arbitrary thread while extension modules
    /// and Python threads are alive is what crashes embedding hosts at exit.
    /// </summary>
    public static void Shutdown()
    {
        lock (InitLock)
        {
            if (!initialized || shutDown)
            {
                return;
            }
            try
            {
                Exec("import atexit, sys\natexit._run_exitfuncs()\nsys.stdout.flush()\nsys.stderr.flush()\n");
            }
            catch (PythonException)
            {
                // An atexit handler failed; Python already printed it and nothing can be done at exit.
            }
            shutDown = true;
        }
    }

    internal static void EnsureRunning()
    {
        if (!initialized)
        {
            throw new InvalidOperationException("Call PythonEngine.Initialize() before using Python.");
        }
        if (shutDown)
        {
            throw new InvalidOperationException("The Python engine has been shut down.");
        }
    }
}
