namespace DqnBridge.Cli.Output;

/// <summary>
/// What a `train --overwrite` killed while it replaced a run leaves behind: the old run in the hidden sibling
/// .NAME.overwritten-PID. Every command on that run name (train, train --overwrite, resume, evaluate) calls
/// <see cref="Recover"/> first, so the old run is never a silent hidden copy: it is put back when the new run got
/// no checkpoint (nothing of it can be resumed), else named with the commands that get it back.
/// </summary>
public static class OverwrittenRuns
{
    public const string Marker = ".overwritten-";

    /// <summary>The hidden folder `train --overwrite` in process <paramref name="processId"/> moves the old run of <paramref name="runDirectory"/> to.</summary>
    public static string AsideOf(string runDirectory, int processId) =>
        Path.Combine(Path.GetDirectoryName(runDirectory)!, $".{Path.GetFileName(runDirectory)}{Marker}{processId}");

    /// <summary>
    /// Restores or names each old run an interrupted `--overwrite` left beside <paramref name="runDirectory"/>; one
    /// still held by a live `--overwrite` (its run lock) is left to it. Messages go to <paramref name="notices"/>.
    /// </summary>
    public static void Recover(string runDirectory, TextWriter notices)
    {
        runDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDirectory));
        string? parent = Path.GetDirectoryName(runDirectory);
        if (parent is null || !Directory.Exists(parent))
        {
            return;
        }

        foreach (string aside in Directory.GetDirectories(parent, $".{Path.GetFileName(runDirectory)}{Marker}*").Order(StringComparer.Ordinal))
        {
            if (!int.TryParse(Path.GetFileName(aside).AsSpan()[(Path.GetFileName(runDirectory).Length + 1 + Marker.Length)..], out _))
            {
                continue;
            }

            // The --overwrite that moved it keeps the old run's lock file open while it lives: then it is not ours to touch.
            using var asideLock = RunLock.TryAcquire(aside, out _, recordOwner: false);
            if (asideLock is null)
            {
                continue;
            }

            if (!Directory.Exists(runDirectory))
            {
                Directory.Move(aside, runDirectory);
                notices.WriteLine($"An interrupted `train --overwrite` had moved the run in {runDirectory} aside to {aside}; it is back in place.");
                continue;
            }

            using var newLock = RunLock.TryAcquire(runDirectory, out _, recordOwner: false);
            if (newLock is not null && !HasCheckpoint(runDirectory))
            {
                // The replacement died before its first checkpoint: nothing of it can be resumed, the old run can.
                string discarded = aside + ".discarded";
                Directory.Move(runDirectory, discarded);
                Directory.Move(aside, runDirectory);
                Directory.Delete(discarded, recursive: true);
                notices.WriteLine($"An interrupted `train --overwrite` had moved the run in {runDirectory} aside to {aside} and was killed " +
                                  "before its first checkpoint; the old run is back in place.");
                continue;
            }

            notices.WriteLine($"warning: an interrupted `train --overwrite` left the run it replaced in {aside}. " +
                              $"{runDirectory} now holds the new run. To get the old one back: mv {runDirectory} SOMEWHERE && mv {aside} {runDirectory}; " +
                              $"if it is not wanted: rm -r {aside}");
        }
    }

    private static bool HasCheckpoint(string runDirectory) =>
        Directory.Exists(Path.Combine(runDirectory, "checkpoints")) && Directory.EnumerateFileSystemEntries(Path.Combine(runDirectory, "checkpoints")).Any();
}
