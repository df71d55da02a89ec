using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>Starts the embedded Python for Gymnasium and loads our helper module from python/.</summary>
public static class GymnasiumRuntime
{
    public const string HelperModuleName = "dqnbridge_envs";

    /// <summary>How to get Gymnasium, for error messages.</summary>
    public const string InstallHint =
        "Install it into the Python you use (`pip install -r requirements.txt` or `conda env create -f environment.yml`), " +
        "and point the 'python' setting or the DQNBRIDGE_PYTHON environment variable at that environment's python executable. " +
        PythonInstallation.VenvHint;

    private static readonly Lock StartLock = new();
    private static PyObject? helper;
    private static bool? gymnasiumAvailable;

    /// <summary>The folder holding dqnbridge_envs.py: next to the assemblies, or the repository's python/ when run from source.</summary>
    public static string HelperDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "python");
                if (File.Exists(Path.Combine(candidate, HelperModuleName + ".py")))
                {
                    return candidate;
                }
            }
            throw new FileNotFoundException($"{HelperModuleName}.py was not found in a python/ folder next to {AppContext.BaseDirectory} or above it.");
        }
    }

    /// <summary>Starts Python (the given executable, or the default discovery) and imports the helper module. Call under no GIL.</summary>
    public static void Start(string pythonExecutable = "")
    {
        lock (StartLock)
        {
            PythonEngine.Initialize(string.IsNullOrWhiteSpace(pythonExecutable) ? null : pythonExecutable);
            if (helper is not null)
            {
                return;
            }
            using var gil = Py.GIL();
            using var sys = Py.Import("sys");
            using var path = sys.GetAttr("path");
            using var insert = path.InvokeMethod("insert", 0, HelperDirectory);
            helper = Py.Import(HelperModuleName);
        }
    }

    /// <summary>The helper module; <see cref="Start"/> must have run. Use under the GIL.</summary>
    internal static PyObject Helper => helper ?? throw new InvalidOperationException("GymnasiumRuntime.Start has not run.");

    /// <summary>Whether Gymnasium imports in the chosen Python; false too when no Python is usable.</summary>
    public static bool IsAvailable(string pythonExecutable = "") => Problem(pythonExecutable) is null;

    /// <summary>Throws a <see cref="GymnasiumNotAvailableException"/> with the fix when Gymnasium cannot be used.</summary>
    public static void Require(string envId, string pythonExecutable = "")
    {
        string? problem = Problem(pythonExecutable);
        if (problem is not null)
        {
            // A Python that could not be used already says how to make one; the install hint is for a Python without Gymnasium.
            string hint = problem.Contains(PythonInstallation.VenvHint, StringComparison.Ordinal) ? "" : " " + InstallHint;
            throw new GymnasiumNotAvailableException($"{envId} needs Gymnasium, but {problem.TrimEnd('.')}.{hint}");
        }
    }

    /// <summary>
    /// The one "is Gymnasium importable" check (it imports gymnasium in the embedded Python): null when it is,
    /// else why not. Used by the backend choice and by the CLI's `envs`.
    /// </summary>
    public static string? Problem(string pythonExecutable = "")
    {
        try
        {
            Start(pythonExecutable);
        }
        catch (PythonNotFoundException e)
        {
            // The message already starts "No usable Python: ...".
            return e.Message;
        }
        catch (PythonException e)
        {
            // Typically NumPy is missing from that Python: our helper module needs it.
            return $"{HelperModuleName} (needs NumPy) could not be imported from {PythonEngine.Installation?.Executable}: {e.Message}";
        }
        lock (StartLock)
        {
            if (gymnasiumAvailable is null)
            {
                using var gil = Py.GIL();
                using var available = Helper.InvokeMethod("gymnasium_available");
                gymnasiumAvailable = available.As<bool>();
            }
        }
        return gymnasiumAvailable.Value ? null : $"gymnasium is not importable from {PythonEngine.Installation!.Executable}";
    }

    /// <summary>Converts the helper's description of a space into a <see cref="Space"/>; null for spaces we do not model.</summary>
    internal static Space? ToSpace(PyObject description)
    {
        var fields = (Dictionary<object, object?>)description.ToManaged()!;
        switch ((string)fields["kind"]!)
        {
            case "discrete":
                return new DiscreteSpace(checked((int)(long)fields["n"]!), checked((int)(long)fields["start"]!));
            case "box":
                int[] shape = ((List<object?>)fields["shape"]!).Select(d => checked((int)(long)d!)).ToArray();
                ElementType? dtype = (string)fields["dtype"]! switch
                {
                    "float32" => ElementType.Float32,
                    "float64" => ElementType.Float64,
                    "uint8" => ElementType.UInt8,
                    "int64" => ElementType.Int64,
                    _ => null,
                };
                if (dtype is null)
                {
                    return null;
                }
                double[] low = ((List<object?>)fields["low"]!).Select(Convert.ToDouble).ToArray();
                double[] high = ((List<object?>)fields["high"]!).Select(Convert.ToDouble).ToArray();
                return new BoxSpace(shape, dtype.Value, low, high);
            default:
                return null;
        }
    }

    /// <summary>The Box observation space an environment describes, or a clear error naming what it has instead.</summary>
    internal static BoxSpace ObservationSpace(string envId, PyObject description) =>
        ToSpace(description) as BoxSpace
        ?? throw new EnvCreationException(envId, $"{envId} has observation space {Describe(description)}; only Box spaces of float32, float64, uint8 or int64 are supported.");

    internal static string Describe(PyObject description)
    {
        var fields = (Dictionary<object, object?>)description.ToManaged()!;
        return fields.TryGetValue("repr", out object? repr) ? (string)repr! : string.Join(", ", fields.Select(f => $"{f.Key}={f.Value}"));
    }

    /// <summary>The helper module's wrapper name; the CarRacing crop variant is a wrapper name of its own.</summary>
    internal static string WrapperName(EnvSpec spec) => spec.Wrappers switch
    {
        EnvWrappers.Atari => "atari",
        EnvWrappers.CarRacing => spec.CarRacingFrame == CarRacingFrame.Crop ? "carracing_crop" : "carracing",
        _ => "none",
    };

    /// <summary>Makes a driver object through the helper, turning Python errors into clear creation errors.</summary>
    internal static PyObject MakeDriver(EnvSpec spec, string driverName, bool training, string? vectorizationMode)
    {
        using (Py.GIL())
        {
            using var suggestions = Helper.InvokeMethod("unknown_id_suggestions", spec.Id);
            if (!suggestions.IsNone)
            {
                var close = (List<object?>)suggestions.ToManaged()!;
                string hint = close.Count == 0 ? "" : " Did you mean " + string.Join(", ", close) + "?";
                throw new EnvCreationException(spec.Id, $"Gymnasium has no environment '{spec.Id}'.{hint}");
            }
            var kwargs = new Dictionary<string, object?>
            {
                ["kwargs"] = spec.Kwargs?.ToDictionary(k => k.Key, k => (object?)k.Value) ?? new Dictionary<string, object?>(),
                ["wrappers"] = WrapperName(spec),
                ["frame_skip"] = spec.FrameSkip,
                ["frame_stack"] = spec.FrameStack,
                ["frame_stack_padding"] = spec.FrameStackPadding.ToString().ToLowerInvariant(),
                ["render_mode"] = spec.RenderMode,
                ["training"] = training,
            };
            if (vectorizationMode is not null)
            {
                kwargs["vectorization_mode"] = vectorizationMode;
            }
            object?[] positional = vectorizationMode is not null ? [spec.Id, spec.NumEnvs] : [spec.Id];
            try
            {
                return Helper.InvokeMethod(driverName, positional, kwargs);
            }
            catch (PythonException e)
            {
                string arguments = spec.Kwargs is null || spec.Kwargs.Count == 0 ? "no keyword arguments"
                    : "keyword arguments " + string.Join(", ", spec.Kwargs.Select(k => $"{k.Key}={k.Value}"));
                throw new EnvCreationException(spec.Id, $"Gymnasium could not make {spec.Id} with {arguments}: {e.PythonType}: {e.PythonMessage}", e);
            }
        }
    }
}
