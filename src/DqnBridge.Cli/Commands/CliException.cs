namespace DqnBridge.Cli.Commands;

/// <summary>A problem the user can fix (missing file, unwritable folder...), reported without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.RuntimeError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
