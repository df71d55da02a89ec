using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// The Gymnasium backend's status for `envs`, from the environment layer's own check (Gymnasium imported in
/// the embedded Python), so the listing and the backend choice can never disagree.
/// </summary>
public static class PythonProbe
{
    public static BackendStatus Gymnasium(string python)
    {
        string? problem = GymnasiumRuntime.Problem(python);
        if (problem is not null)
        {
            string hint = problem.Contains(PythonInstallation.VenvHint, StringComparison.Ordinal) ? PythonInstallation.VenvHint : GymnasiumRuntime.InstallHint;
            return new BackendStatus("gymnasium", false, problem.Replace(PythonInstallation.VenvHint, "").TrimEnd(' ', '.') + ". " + hint);
        }
        using (Py.GIL())
        {
            using PyObject gymnasium = Py.Import("gymnasium");
            using PyObject version = gymnasium.GetAttr("__version__");
            PythonInterpreter interpreter = GymnasiumRuntime.Interpreter!;
            return new BackendStatus("gymnasium", true,
                $"Gymnasium {version.As<string>()} in {interpreter.AbsoluteExecutable} (Python {interpreter.Version})");
        }
    }
}
