namespace DqnBridge.Cli.Commands;

/// <summary>Exit codes of dqnbridge.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;
    /// <summary>Stopped by Ctrl+C (SIGINT) after writing a checkpoint: 128 + 2, as shells report it.</summary>
    public const int Cancelled = 130;
    /// <summary>Stopped by SIGHUP (the terminal closed) after writing a checkpoint: 128 + 1.</summary>
    public const int HungUp = 129;
    /// <summary>Stopped by SIGTERM (docker stop, systemd, Kubernetes, Slurm) after writing a checkpoint: 128 + 15.</summary>
    public const int Terminated = 143;
}
