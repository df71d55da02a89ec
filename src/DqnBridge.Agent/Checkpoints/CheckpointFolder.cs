using System.Security.Cryptography;
using System.Text.Json;
using DqnBridge.Agent.Training;

namespace DqnBridge.Agent.Checkpoints;

/// <summary>
/// How a checkpoint folder is written and found again. <see cref="Save"/> writes it whole under a temporary name, adds
/// a manifest (format version, sizes and SHA-256 of every file) and then renames it over the previous one, so a crash
/// never leaves a half-written "latest"; <see cref="LoadNewestComplete"/> verifies the manifest of every candidate a
/// crash can leave and opens the newest complete one.
/// </summary>
public static class CheckpointFolder
{
    /// <summary>The checkpoint format this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private sealed record ManifestEntry(string Name, long Size, string Sha256);

    // WeightsOnly: a checkpoint of the Q-network alone (checkpoints/best): evaluate reads it, resume cannot.
    private sealed record Manifest(int FormatVersion, List<ManifestEntry> Files, bool WeightsOnly = false);

    /// <summary>
    /// Writes a checkpoint to <paramref name="directory"/>: <paramref name="writeFiles"/> fills a
    /// temporary sibling folder, the manifest is added, and the folder replaces the old one. With
    /// <paramref name="weightsOnly"/> only the config, the state and the Q-network are required (see <see cref="Checkpoint.WeightsOnly"/>).
    /// </summary>
    public static string Save(string directory, DqnConfig config, TrainerState state, Action<string> writeFiles, bool weightsOnly = false)
    {
        string full = Path.GetFullPath(directory);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        DeleteIfExists(temporary);
        Directory.CreateDirectory(temporary);
        try
        {
            File.WriteAllText(Path.Combine(temporary, Checkpoint.ConfigFile), CheckpointJson.Serialize(config));
            File.WriteAllText(Path.Combine(temporary, Checkpoint.StateFile), JsonSerializer.Serialize(state, CheckpointJson.Options));
            writeFiles(temporary);
            var entries = Directory.GetFiles(temporary).Order(StringComparer.Ordinal)
                .Select(path => new ManifestEntry(Path.GetFileName(path), new FileInfo(path).Length, HashOf(path)))
                .ToList();
            File.WriteAllText(Path.Combine(temporary, Checkpoint.ManifestFile), JsonSerializer.Serialize(new Manifest(FormatVersion, entries, weightsOnly), CheckpointJson.Options));

            string previous = full + ".old";
            DeleteIfExists(previous);
            if (Directory.Exists(full))
            {
                Directory.Move(full, previous);
            }
            Directory.Move(temporary, full);
            DeleteIfExists(previous);
            // Only now that the new checkpoint is in place: temporaries left by a crashed save (possibly gigabytes).
            RemoveStaleTemporaries(full);
            return full;
        }
        catch
        {
            DeleteIfExists(temporary);
            throw;
        }
    }

    private static void DeleteIfExists(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// A crash inside <see cref="Save"/> can leave the checkpoint of <paramref name="directory"/> (checkpoints/latest)
    /// as latest.old (between the two renames) or as a complete latest.tmp-PID (after its manifest, before the
    /// renames), with latest itself missing or older. This verifies every one that exists and returns the one
    /// furthest into training; <paramref name="notice"/> is told which one is used whenever it is not
    /// <paramref name="directory"/> itself, and why.
    /// </summary>
    public static Checkpoint LoadNewestComplete(string directory, Action<string>? notice)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var complete = new List<Checkpoint>();
        var problems = new List<string>();
        foreach (string candidate in Candidates(full))
        {
            try
            {
                complete.Add(OpenVerified(candidate));
            }
            catch (CheckpointException e)
            {
                problems.Add(e.Message);
            }
        }
        if (complete.Count == 0)
        {
            throw problems.Count switch
            {
                0 => new CheckpointException($"No checkpoint at '{full}': the folder does not exist."),
                1 => new CheckpointException(problems[0]),
                _ => new CheckpointException($"No complete checkpoint at '{full}':\n  " + string.Join("\n  ", problems)),
            };
        }
        // Furthest into training wins; on a tie the regular name, then .old, then a temporary (Candidates' order).
        var chosen = complete.OrderByDescending(c => c.State.NextStep).First();
        if (chosen.Directory != full)
        {
            string why = !Directory.Exists(full) ? $"'{full}' does not exist (a save was interrupted)"
                : problems.Count > 0 ? string.Join("; ", problems)
                : $"'{full}' is at step {complete.First(c => c.Directory == full).State.NextStep:N0}";
            notice?.Invoke($"Using checkpoint '{chosen.Directory}' (step {chosen.State.NextStep:N0}), the newest complete one: {why}");
        }
        return chosen;
    }

    /// <summary>The folder itself, its .old and its .tmp-* siblings (newest first), those that exist.</summary>
    private static IEnumerable<string> Candidates(string full) =>
        new[] { full, full + ".old" }.Concat(Temporaries(full).OrderByDescending(Directory.GetLastWriteTimeUtc))
            .Where(Directory.Exists);

    /// <summary>The .tmp-* siblings of <paramref name="full"/> that <see cref="Save"/> writes into.</summary>
    private static string[] Temporaries(string full)
    {
        string parent = Path.GetDirectoryName(full)!;
        return Directory.Exists(parent) ? Directory.GetDirectories(parent, Path.GetFileName(full) + ".tmp-*") : [];
    }

    /// <summary>
    /// Deletes the .tmp-* siblings of <paramref name="directory"/> except <paramref name="keep"/>: a save that
    /// crashed leaves one behind, and with an Atari replay buffer each holds gigabytes. Called after every save and
    /// when a run resumes (one writer per run folder, so none of them belongs to a save in progress).
    /// </summary>
    public static void RemoveStaleTemporaries(string directory, string? keep = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        foreach (string temporary in Temporaries(full))
        {
            if (keep is null || Path.GetFullPath(temporary) != Path.GetFullPath(keep))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>Opens and verifies exactly the checkpoint in <paramref name="full"/> (manifest, format, sizes, checksums, config).</summary>
    private static Checkpoint OpenVerified(string full)
    {
        string manifestPath = Path.Combine(full, Checkpoint.ManifestFile);
        if (!File.Exists(manifestPath))
        {
            throw new CheckpointException($"No checkpoint at '{full}': {Checkpoint.ManifestFile} is missing.");
        }
        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath), CheckpointJson.Options)
                ?? throw new CheckpointException($"Checkpoint manifest '{manifestPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"Checkpoint manifest '{manifestPath}' is corrupt: {e.Message}", e);
        }
        if (manifest.FormatVersion != FormatVersion)
        {
            throw new CheckpointException($"Checkpoint '{full}' has format version {manifest.FormatVersion}; this build reads version {FormatVersion}.");
        }
        foreach (string required in manifest.WeightsOnly ? Checkpoint.WeightsOnlyFiles : Checkpoint.RequiredFiles)
        {
            if (manifest.Files.All(entry => entry.Name != required))
            {
                throw new CheckpointException($"Checkpoint '{full}' lists no {required}.");
            }
        }
        foreach (var entry in manifest.Files)
        {
            string path = Path.Combine(full, entry.Name);
            if (!File.Exists(path))
            {
                throw new CheckpointException($"Checkpoint file '{path}' is missing.");
            }
            long size = new FileInfo(path).Length;
            if (size != entry.Size)
            {
                throw new CheckpointException($"Checkpoint file '{path}' is truncated or altered: {size} bytes, the manifest says {entry.Size}.");
            }
            if (!string.Equals(HashOf(path), entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new CheckpointException($"Checkpoint file '{path}' is corrupt: its SHA-256 does not match the manifest.");
            }
        }
        try
        {
            var config = CheckpointJson.DeserializeConfig(File.ReadAllText(Path.Combine(full, Checkpoint.ConfigFile)));
            var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(full, Checkpoint.StateFile)), CheckpointJson.Options)
                ?? throw new CheckpointException($"Checkpoint state in '{full}' is empty.");
            return new Checkpoint(full, config, state) { WeightsOnly = manifest.WeightsOnly };
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"Checkpoint '{full}' has an unreadable config or state: {e.Message}", e);
        }
    }

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
