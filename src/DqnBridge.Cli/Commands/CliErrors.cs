namespace DqnBridge.Cli.Commands;

/// <summary>Exit codes of dqnbridge.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;
    public const int Cancelled = 130;
}

/// <summary>A problem the user can fix (missing file, unwritable folder...), reported without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.RuntimeError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
