using System.Reflection;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// What produced a result: our version and git commit, and the host. The .NET SDK's source-control support writes
/// the commit into the informational version ("1.0.0+&lt;sha&gt;") when the build runs in a git checkout; elsewhere
/// the version has no "+" part and the commit is "unknown".
/// </summary>
public static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string Version => Informational.Split('+')[0];

    public static string Commit => Informational.Split('+') is [_, var commit, ..] && commit.Length > 0 ? commit : "unknown";

    public static string Host => Environment.MachineName;
}
