using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Output;

/// <summary>CleanRL's run names: {env_id}__{exp_name}__{seed}__{unix_time}, safe as one folder name.</summary>
public static class RunNames
{
    public static string Make(string envId, string expName, int seed, DateTimeOffset time) =>
        $"{Safe(envId)}__{Safe(expName)}__{seed}__{time.ToUnixTimeSeconds()}";

    /// <summary>ALE/Pong-v5 would otherwise become two folders.</summary>
    public static string Safe(string text) =>
        string.Concat(text.Select(c => c is '/' or '\\' or ':' || char.IsWhiteSpace(c) || Path.GetInvalidFileNameChars().Contains(c) ? '-' : c));

    /// <summary>
    /// The folder of run <paramref name="runName"/>: always one folder directly inside <paramref name="runsDir"/>.
    /// Names that would mean runs_dir itself or a place outside it (empty, ".", "..", an absolute path, a path
    /// through "..") are a usage error rather than a folder name; other separators become '-' (<see cref="Safe"/>).
    /// </summary>
    public static string FolderOf(string runsDir, string runName)
    {
        static CliException Bad(string name, string why) => new(
            $"--run-name '{name}' {why}: a run name is one folder name inside runs_dir (use runs_dir=PATH to train elsewhere).",
            ExitCodes.UsageError);

        if (string.IsNullOrWhiteSpace(runName))
        {
            throw Bad(runName, "is empty");
        }

        if (Path.IsPathRooted(runName))
        {
            throw Bad(runName, "is an absolute path");
        }

        if (runName.Split('/', '\\').Any(part => part.Trim() is "." or ".."))
        {
            throw Bad(runName, "would leave runs_dir or name runs_dir itself");
        }

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runsDir));
        string folder = Path.GetFullPath(Path.Combine(root, Safe(runName)));
        // Belt and braces: whatever the name became, it must be a direct child of runs_dir.
        if (Path.GetDirectoryName(folder) != root)
        {
            throw Bad(runName, "does not stay inside runs_dir");
        }

        return folder;
    }
}
