using System.CommandLine.Parsing;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Config;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Envs.Native;
using DqnBridge.Python;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// Turns what went wrong into one clear message on stderr and an exit code: 2 for usage and config, 1 at run time,
/// 130 on Ctrl+C (Program maps a stop by SIGTERM or SIGHUP to 143 or 129). Never a stack trace unless
/// DQNBRIDGE_DEBUG=1.
/// </summary>
public sealed class ErrorReporter(TextWriter error)
{
    public int ReportParseErrors(IReadOnlyList<ParseError> errors)
    {
        foreach (var parseError in errors)
        {
            error.WriteLine($"error: {parseError.Message}");
        }

        error.WriteLine("Run `dqnbridge --help` for usage.");
        return ExitCodes.UsageError;
    }

    public int Report(Exception e)
    {
        var (code, message) = e switch
        {
            ConfigException => (ExitCodes.UsageError, e.Message),
            EnvCreationException env when UnusableChoice(env.Problem) is { } fix => (ExitCodes.UsageError, $"{env.Message} {fix}"),
            UnknownEnvironmentException => (ExitCodes.UsageError, $"{e.Message} `dqnbridge envs` lists the ids there are."),
            CliException cli => (cli.ExitCode, cli.Message),
            OperationCanceledException => (ExitCodes.Cancelled, "Cancelled."),
            _ => (ExitCodes.RuntimeError, DescribeUnexpected(e)),
        };
        error.WriteLine($"error: {message}");
        // An environment that raised while training: its traceback points into the user's or Gymnasium's code.
        if (e is TrainingFailedException or EnvStepException && FindPythonError(e) is { PythonTraceback.Length: > 0 } python)
        {
            error.WriteLine("Python traceback:");
            error.Write(python.PythonTraceback.TrimEnd() + Environment.NewLine);
        }
        if (Environment.GetEnvironmentVariable("DQNBRIDGE_DEBUG") == "1")
        {
            error.WriteLine(e.ToString());
        }

        return code;
    }

    private static PythonError? FindPythonError(Exception e) => e switch
    {
        PythonError python => python,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindPythonError).FirstOrDefault(found => found is not null),
        { InnerException: { } inner } => FindPythonError(inner),
        _ => null,
    };

    /// <summary>
    /// The fix when an environment could not be made because of the id or action space the user chose (a usage error),
    /// null for other failures (a missing dependency, an exception inside the environment: runtime errors).
    /// </summary>
    private static string? UnusableChoice(EnvProblem problem) => problem switch
    {
        EnvProblem.UnknownId => "Check the id: `dqnbridge envs` lists the ids this Python has.",
        EnvProblem.NotDiscreteActions => "DQN trains environments with Discrete actions only: choose one (`dqnbridge envs` marks the others) or its discrete variant.",
        _ => null,
    };

    /// <summary>
    /// Errors from the layers below carry their own clear messages; show those, never a stack trace. An inner
    /// message already part of a message above it (layers often quote their cause) is not repeated.
    /// </summary>
    public static string DescribeUnexpected(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (!messages.Any(shown => shown.Contains(inner.Message.Trim(), StringComparison.Ordinal)))
            {
                messages.Add(inner.Message);
            }
        }

        return string.Join("\n  caused by: ", messages) + "\n(set DQNBRIDGE_DEBUG=1 to see the stack trace)";
    }
}
