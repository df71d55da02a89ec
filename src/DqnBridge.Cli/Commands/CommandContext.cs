using Spectre.Console;

namespace DqnBridge.Cli.Commands;

/// <summary>What every command runs with: the backend that trains and evaluates, where it writes, and the stop token.</summary>
/// <param name="PlainProgressInterval">How often non-terminal output gets a progress line.</param>
/// <param name="Cancellation">Set by Ctrl+C, SIGTERM or SIGHUP: training then writes a checkpoint and stops.</param>
public sealed record CommandContext(
    ITrainingBackend Backend, IAnsiConsole Console, TextWriter Output, TextWriter Error, TimeSpan PlainProgressInterval, CancellationToken Cancellation)
{
    /// <summary>The Python that DQNBRIDGE_PYTHON names, or "" (the environment layer then looks on PATH).</summary>
    public static string PythonFromEnvironment => Environment.GetEnvironmentVariable("DQNBRIDGE_PYTHON") ?? "";

    /// <summary>A training run that shows its progress on this context's console and the config's warnings on <paramref name="warnings"/> (null: not at all).</summary>
    public TrainingRun NewTrainingRun(TextWriter? warnings = null) => new(Backend, Console, Output, PlainProgressInterval) { Warnings = warnings };
}
