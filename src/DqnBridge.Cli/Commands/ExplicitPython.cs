using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// A `python` the user named must work: with backend auto, a Python that cannot be started (a wrong path, not a
/// Python, no NumPy) is a usage error naming it, never a silent fall back to the built-in environment. A working
/// Python that merely lacks Gymnasium still falls back (and says so), as backend auto promises.
/// </summary>
public static class ExplicitPython
{
    public static void Check(ITrainingBackend backend, DqnConfig config)
    {
        if (string.IsNullOrWhiteSpace(config.Python) || config.Backend != EnvBackend.Auto)
        {
            return;
        }

        var gymnasium = backend.Backends(config.Python).FirstOrDefault(status => status.Name == "gymnasium");
        if (gymnasium is null || gymnasium.Available || gymnasium.Detail.Contains("gymnasium is not importable", StringComparison.Ordinal))
        {
            return;
        }

        throw new CliException(
            $"python={config.Python} cannot be used: {gymnasium.Detail.TrimEnd()}\n" +
            "Fix the python setting, or leave it out to use DQNBRIDGE_PYTHON or python3 on PATH (backend=native uses the built-in environments without Python).",
            ExitCodes.UsageError);
    }
}
