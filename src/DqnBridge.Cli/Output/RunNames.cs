using System.Text;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Output;

/// <summary>CleanRL's run names: {env_id}__{exp_name}__{seed}__{unix_time}, safe as one folder name.</summary>
public static class RunNames
{
    public static string Make(string envId, string expName, int seed, DateTimeOffset time) =>
        $"{Safe(envId)}__{Safe(expName)}__{seed}__{time.ToUnixTimeSeconds()}";

    /// <summary>
    /// The longest run name, in UTF-8 bytes: a folder name (255 bytes on Linux file systems) that leaves room for
    /// "." + ".overwritten-PID" (the hidden copy of `train --overwrite`) and ".discarded" after it.
    /// </summary>
    public const int MaxLength = 200;

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

        int bytes = Encoding.UTF8.GetByteCount(Safe(runName));
        if (bytes > MaxLength)
        {
            throw new CliException(
                $"The run name '{runName[..40]}...' is too long ({bytes} bytes): a run name is at most {MaxLength} bytes (UTF-8), " +
                "a folder name with room for the suffix of the hidden copy `--overwrite` makes. Choose a shorter --run-name (or exp_name).",
                ExitCodes.UsageError);
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
