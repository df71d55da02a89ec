using System.Text.Json;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// Starts the embedded Python for Gymnasium (or shares the host application's, <see cref="PythonRuntime"/>) and loads
/// our Python package, python/dqnbridge.
/// </summary>
public static class GymnasiumRuntime
{
    /// <summary>Name of our Python package in python/.</summary>
    public const string HelperModuleName = "dqnbridge";

    /// <summary>How to get Gymnasium, for error messages.</summary>
    public const string InstallHint =
        "Install it into the Python you use (`pip install -r requirements.txt` or `conda env create -f environment.yml`), " +
        "and point the 'python' setting or the DQNBRIDGE_PYTHON environment variable at that environment's python executable. " +
        PythonInstallation.VenvHint;

    private static readonly Lock StartLock = new();
    private static PyObject? helper;
    private static bool? gymnasiumAvailable;

    /// <summary>The folder holding the dqnbridge package (put on sys.path): python/ next to the assemblies, or the repository's python/ when run from source.</summary>
    public static string HelperDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "python");
                if (File.Exists(Path.Combine(candidate, HelperModuleName, "__init__.py")))
                {
                    return candidate;
                }
            }
            throw new FileNotFoundException($"The {HelperModuleName} package (python/{HelperModuleName}/__init__.py) was not found next to {AppContext.BaseDirectory} or above it.");
        }
    }

    /// <summary>
    /// Starts Python (the given executable, or the default discovery; or the host's, when it already initialized
    /// pythonnet) and imports the helper package. Call without holding the GIL.
    /// </summary>
    public static PythonInterpreter Start(string pythonExecutable = "")
    {
        lock (StartLock)
        {
            PythonInterpreter interpreter = PythonRuntime.Start(pythonExecutable);
            if (helper is not null)
            {
                return interpreter;
            }
            using (Py.GIL())
            {
                using PyObject sys = Py.Import("sys");
                using PyObject path = sys.GetAttr("path");
                using var zero = new PyInt(0);
                using var directory = new PyString(HelperDirectory);
                using PyObject inserted = path.InvokeMethod("insert", zero, directory);
                try
                {
                    helper = Py.Import(HelperModuleName);
                }
                catch (PythonException e)
                {
                    throw PythonError.From(e);
                }
            }
            return interpreter;
        }
    }

    /// <summary>The interpreter <see cref="Start"/> started or shared; null before.</summary>
    public static PythonInterpreter? Interpreter => PythonRuntime.Interpreter;

    /// <summary>The helper package (python/dqnbridge); <see cref="Start"/> must have run. Use under the GIL.</summary>
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
        catch (PythonError e)
        {
            // Typically NumPy is missing from that Python: our helper package needs it.
            return $"{HelperModuleName} (needs NumPy) could not be imported from {PythonRuntime.Interpreter?.Description}: {e.Message}";
        }
        lock (StartLock)
        {
            if (gymnasiumAvailable is null)
            {
                using var gil = Py.GIL();
                using PyObject available = Helper.InvokeMethod("gymnasium_available");
                gymnasiumAvailable = available.As<bool>();
            }
        }
        return gymnasiumAvailable.Value ? null : $"gymnasium is not importable from {PythonRuntime.Interpreter!.Description}";
    }

    /// <summary>Converts the helper's description of a space into a <see cref="Space"/>; null for spaces we do not model. Call under the GIL.</summary>
    internal static Space? ToSpace(PyObject description) => ToSpace(PythonValues.ToJson(description));

    private static Space? ToSpace(JsonElement fields)
    {
        switch (fields.GetProperty("kind").GetString())
        {
            case "discrete":
                return new DiscreteSpace(fields.GetProperty("n").GetInt32(), fields.GetProperty("start").GetInt32());
            case "box":
                int[] shape = fields.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                ElementType? dtype = fields.GetProperty("dtype").GetString() switch
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
                double[] low = fields.GetProperty("low").EnumerateArray().Select(PythonValues.Number).ToArray();
                double[] high = fields.GetProperty("high").EnumerateArray().Select(PythonValues.Number).ToArray();
                return new BoxSpace(shape, dtype.Value, low, high);
            default:
                return null;
        }
    }

    /// <summary>The Box observation space an environment describes, or a clear error naming what it has instead. Call under the GIL.</summary>
    internal static BoxSpace ObservationSpace(string envId, PyObject description) =>
        ToSpace(description) as BoxSpace
        ?? throw new EnvCreationException(envId, EnvProblem.UnsupportedObservations, $"{envId} has observation space {Describe(description)}; only Box spaces of float32, float64, uint8 or int64 are supported.");

    /// <summary>A space's repr, for messages. Call under the GIL.</summary>
    internal static string Describe(PyObject description)
    {
        JsonElement fields = PythonValues.ToJson(description);
        return fields.TryGetProperty("repr", out JsonElement repr) ? repr.GetString()! : fields.ToString();
    }

    /// <summary>The helper module's wrapper name; the CarRacing crop variant is a wrapper name of its own.</summary>
    internal static string WrapperName(EnvSpec spec) => spec.Wrappers switch
    {
        EnvWrappers.Atari => "atari",
        EnvWrappers.CarRacing => spec.CarRacingFrame == CarRacingFrame.Crop ? "carracing_crop" : "carracing",
        _ => "none",
    };

    /// <summary>Imports env_modules and the module of a module:EnvId-v0 id, so their envs are registered. Call under the GIL.</summary>
    private static void ImportEnvModules(EnvSpec spec)
    {
        foreach (string module in spec.ModulesToImport)
        {
            try
            {
                using PyObject imported = Py.Import(module);
            }
            catch (PythonException e)
            {
                PythonError error = PythonError.From(e);
                throw new EnvCreationException(spec.Id, EnvProblem.ModuleNotImportable,
                    $"{spec.Id}: could not import the module '{module}' that should register it: {error.PythonType}: {error.PythonMessage}. " +
                    "Install that package into the Python you use, or add the folder that holds it to PYTHONPATH.");
            }
        }
    }

    /// <summary>
    /// Why a registered id cannot be made with this Python (a missing ALE ROM, ale-py, Box2D, MuJoCo or OpenCV),
    /// checked without making it (so ALE prints nothing); null when nothing is missing. Call under the GIL.
    /// </summary>
    private static EnvUnavailability? CannotBeMadeHere(string envId)
    {
        using var id = new PyString(envId);
        using var ids = new PyList([id]);
        using PyObject reasons = Helper.InvokeMethod("unavailable_environments", ids);
        return PythonValues.ToJson(reasons).EnumerateObject().Select(reason => EnvUnavailability.FromJson(reason.Value)).FirstOrDefault();
    }

    /// <summary>Makes a driver object through the helper, turning Python errors into clear creation errors.</summary>
    internal static PyObject MakeDriver(EnvSpec spec, string driverName, bool training, string? vectorizationMode)
    {
        using (Py.GIL())
        {
            ImportEnvModules(spec);
            using var id = new PyString(spec.Id);
            using PyObject suggestions = Helper.InvokeMethod("unknown_id_suggestions", id);
            if (!suggestions.IsNone())
            {
                string[] close = PythonValues.ToJson(suggestions).EnumerateArray().Select(s => s.GetString()!).ToArray();
                string hint = close.Length == 0 ? "" : " Did you mean " + string.Join(", ", close) + "?";
                throw new EnvCreationException(spec.Id, EnvProblem.UnknownId, $"Gymnasium has no environment '{spec.Id}'.{hint}");
            }
            if (CannotBeMadeHere(spec.Id) is { } reason)
            {
                // A ROM's fix is a sentence of its own; a missing package's is the install command the reason quotes.
                string fix = reason.Problem == EnvProblem.MissingRom ? $" (fix: {reason.Fix})" : "";
                throw new EnvCreationException(spec.Id, reason.Problem, $"{spec.Id} cannot be made with {Interpreter?.Description}: {reason.Describe()}{fix}.");
            }
            var arguments = new Dictionary<string, object?>
            {
                ["kwargs"] = spec.Kwargs ?? new Dictionary<string, object>(),
                ["wrappers"] = WrapperName(spec),
                ["frame_skip"] = spec.FrameSkip,
                ["frame_stack"] = spec.FrameStack,
                ["frame_stack_padding"] = spec.FrameStackPadding.ToString().ToLowerInvariant(),
                ["render_mode"] = spec.RenderMode,
                ["training"] = training,
            };
            if (vectorizationMode is not null)
            {
                arguments["vectorization_mode"] = vectorizationMode;
            }
            if (vectorizationMode == "async" && spec.EnvModules.Count > 0)
            {
                arguments["env_modules"] = spec.EnvModules.ToList();
            }
            using PyTuple positional = PythonValues.Tuple(vectorizationMode is not null ? [spec.Id, spec.NumEnvs] : [spec.Id]);
            using PyDict keywords = PythonValues.Keywords(arguments);
            using PyObject driverType = Helper.GetAttr(driverName);
            try
            {
                return driverType.Invoke(positional, keywords);
            }
            catch (PythonException e)
            {
                PythonError error = PythonError.From(e);
                string kwargs = spec.Kwargs is null || spec.Kwargs.Count == 0 ? "no keyword arguments"
                    : "keyword arguments " + string.Join(", ", spec.Kwargs.Select(k => $"{k.Key}={k.Value}"));
                throw new EnvCreationException(spec.Id, EnvProblem.MakeFailed, $"Gymnasium could not make {spec.Id} with {kwargs}: {error.PythonType}: {error.PythonMessage}", error);
            }
        }
    }
}
