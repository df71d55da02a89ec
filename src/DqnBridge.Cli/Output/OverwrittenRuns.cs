namespace DqnBridge.Cli.Output;

/// <summary>
/// What a `train --overwrite` killed while it replaced a run leaves behind: the old run in the hidden sibling
/// .NAME.overwritten-PID. Every command on that run name (train, train --overwrite, resume, evaluate) calls
/// <see cref="Recover"/> first, so the old run is never a silent hidden copy: it is put back when the new run got
/// no checkpoint (nothing of it can be resumed), else named with the commands that get it back. Putting it back moves
/// the new run to .NAME.overwritten-PID.discarded first and deletes that last; one left by a kill in between is
/// deleted once the old run is back in place, else named.
/// </summary>
public static class OverwrittenRuns
{
    public const string Marker = ".overwritten-";

    /// <summary>The suffix of the folder a checkpoint-less new run is moved to while the old run is put back.</summary>
    public const string DiscardedSuffix = ".discarded";

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
            if (ProcessIdOf(runDirectory, aside) is null)
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
                string discarded = aside + DiscardedSuffix;
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

        RemoveDiscarded(runDirectory, parent, notices);
    }

    /// <summary>
    /// A new run that a recovery above had moved to .NAME.overwritten-PID.discarded (it had no checkpoint) and was
    /// killed before deleting: deleted when its old run is back in place (no .NAME.overwritten-PID left), else named.
    /// </summary>
    private static void RemoveDiscarded(string runDirectory, string parent, TextWriter notices)
    {
        foreach (string discarded in Directory.GetDirectories(parent, $".{Path.GetFileName(runDirectory)}{Marker}*{DiscardedSuffix}").Order(StringComparer.Ordinal))
        {
            string aside = discarded[..^DiscardedSuffix.Length];
            if (ProcessIdOf(runDirectory, aside) is null)
            {
                continue;
            }

            // A recovery in another process holds the new run's lock while it moves and deletes it.
            using (var held = RunLock.TryAcquire(discarded, out _, recordOwner: false))
            {
                if (held is null)
                {
                    continue;
                }
            }

            if (Directory.Exists(aside) || !Directory.Exists(runDirectory))
            {
                notices.WriteLine($"warning: an interrupted recovery of a `train --overwrite` left {discarded}, the new run that never " +
                                  $"reached its first checkpoint (nothing of it can be resumed); if it is not wanted: rm -r {discarded}");
                continue;
            }

            Directory.Delete(discarded, recursive: true);
            notices.WriteLine($"Removed {discarded}: the new run of an interrupted `train --overwrite` that never reached its first " +
                              $"checkpoint; the run it had replaced is back in {runDirectory}.");
        }
    }

    /// <summary>The PID in .NAME.overwritten-PID, or null for another name.</summary>
    private static int? ProcessIdOf(string runDirectory, string aside) =>
        int.TryParse(Path.GetFileName(aside).AsSpan()[(Path.GetFileName(runDirectory).Length + 1 + Marker.Length)..], out int pid) ? pid : null;

    private static bool HasCheckpoint(string runDirectory) =>
        Directory.Exists(Path.Combine(runDirectory, "checkpoints")) && Directory.EnumerateFileSystemEntries(Path.Combine(runDirectory, "checkpoints")).Any();
}
