using System.Runtime.InteropServices;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// Ctrl+C (SIGINT), SIGTERM and SIGHUP all ask training to stop the same way: the current step finishes, a checkpoint is
/// written and the command exits with 128 + the signal number (130, 143, 129), so `dqnbridge resume` continues exactly.
/// Job schedulers and containers (docker stop, systemd, Kubernetes, Slurm) stop jobs with SIGTERM, a closed terminal
/// sends SIGHUP. The same signal a second time quits at once.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TextWriter _error;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _exitCode;

    public StopSignals(TextWriter error)
    {
        _error = error;
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, "SIGTERM", ExitCodes.Terminated)));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => OnSignal(context, "SIGHUP", ExitCodes.HungUp)));
        }
    }

    /// <summary>Cancelled by the first stop request.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The exit code a command that stopped early (exit <see cref="ExitCodes.Cancelled"/>) should end with.</summary>
    public int ExitCodeFor(int commandExitCode) =>
        commandExitCode == ExitCodes.Cancelled && Volatile.Read(ref _exitCode) is var code and not 0 ? code : commandExitCode;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) =>
        e.Cancel = Request("Ctrl+C", "press Ctrl+C again to quit at once", ExitCodes.Cancelled);

    private void OnSignal(PosixSignalContext context, string name, int exitCode) =>
        context.Cancel = Request(name, $"send {name} again to quit at once", exitCode);

    /// <summary>True when this request is handled (stop after the step); false lets the default action end the process at once.</summary>
    private bool Request(string what, string again, int exitCode)
    {
        if (Interlocked.CompareExchange(ref _exitCode, exitCode, 0) != 0)
        {
            return false;
        }

        _error.WriteLine($"\nStopping ({what}): finishing the step and writing a checkpoint ({again})...");
        _cancellation.Cancel();
        return true;
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }
}
