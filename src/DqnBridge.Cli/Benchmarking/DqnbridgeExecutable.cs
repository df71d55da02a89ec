namespace DqnBridge.Cli.Benchmarking;

/// <summary>The command line that starts this same dqnbridge again, for the batch scripts --slurm writes.</summary>
public static class DqnbridgeExecutable
{
    /// <summary>
    /// The apphost this process runs as (e.g. /shared/dqnbridge/dqnbridge), or `dotnet /path/dqnbridge.dll` when it
    /// was started that way; hosted by another process (a test host), the apphost beside dqnbridge.dll.
    /// </summary>
    public static IReadOnlyList<string> OfThisProcess()
    {
        var process = Environment.ProcessPath;
        var assembly = typeof(DqnbridgeExecutable).Assembly.Location; // empty in a single-file publish
        var processName = process is null ? "" : Path.GetFileNameWithoutExtension(process);
        if (process is not null && processName == "dotnet" && assembly.Length > 0)
        {
            return [process, assembly];
        }

        if (process is not null && processName == "dqnbridge")
        {
            return [process];
        }

        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "dqnbridge.exe" : "dqnbridge");
        return File.Exists(apphost) ? [apphost] : ["dotnet", Path.Combine(AppContext.BaseDirectory, "dqnbridge.dll")];
    }
}
