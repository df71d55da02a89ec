using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DqnBridge.Envs;

namespace DqnBridge.Agent;

/// <summary>A checkpoint that cannot be used: missing, corrupt, truncated, from another format, or for another environment.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Counters, RNG states and shapes a trainer needs to continue where it stopped.</summary>
public sealed class TrainerState
{
    public long NextStep { get; set; }
    public long Episodes { get; set; }
    public long TrainSteps { get; set; }
    public double WallTimeSeconds { get; set; }
    public ulong[] ReplayRandomState { get; set; } = [];
    public ulong[] ExplorationState { get; set; } = [];
    public byte[] TorchRngState { get; set; } = [];
    public byte[] CurrentObservations { get; set; } = [];
    public bool HasEnvState { get; set; }
    public double[] RecentReturns { get; set; } = [];
    public string EnvId { get; set; } = "";
    public int NumEnvs { get; set; }
    public int[] ObservationShape { get; set; } = [];
    public ElementType ObservationType { get; set; }
    public int ActionCount { get; set; }
}

/// <summary>
/// A checkpoint folder: model, target network, optimizer, replay buffer, RNG states, counters and
/// config, with a manifest of sizes and SHA-256 checksums. Written whole under a temporary name and
/// then renamed over the previous one, so a crash never leaves a half-written "latest".
/// </summary>
public sealed class Checkpoint
{
    public const int FormatVersion = 1;
    public const string ManifestFile = "manifest.json";
    public const string ConfigFile = "config.json";
    public const string StateFile = "state.json";
    public const string QNetworkFile = "q_network.bin";
    public const string TargetNetworkFile = "target_network.bin";
    public const string OptimizerFile = "optimizer.bin";
    public const string ReplayFile = "replay.bin";
    public const string EnvStateFile = "env_state.bin";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    private Checkpoint(string directory, DqnConfig config, TrainerState state)
    {
        Directory = directory;
        Config = config;
        State = state;
    }

    public string Directory { get; }
    public DqnConfig Config { get; }
    public TrainerState State { get; }

    public string PathOf(string file) => System.IO.Path.Combine(Directory, file);

    private sealed record ManifestEntry(string Name, long Size, string Sha256);

    private sealed record Manifest(int FormatVersion, List<ManifestEntry> Files);

    /// <summary>
    /// Writes a checkpoint to <paramref name="directory"/>: <paramref name="writeFiles"/> fills a
    /// temporary sibling folder, the manifest is added, and the folder replaces the old one.
    /// </summary>
    public static string Save(string directory, DqnConfig config, TrainerState state, Action<string> writeFiles)
    {
        string full = System.IO.Path.GetFullPath(directory);
        string parent = System.IO.Path.GetDirectoryName(full)!;
        System.IO.Directory.CreateDirectory(parent);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        DeleteIfExists(temporary);
        System.IO.Directory.CreateDirectory(temporary);
        try
        {
            File.WriteAllText(System.IO.Path.Combine(temporary, ConfigFile), SaveConfig(config));
            File.WriteAllText(System.IO.Path.Combine(temporary, StateFile), JsonSerializer.Serialize(state, Json));
            writeFiles(temporary);
            var entries = System.IO.Directory.GetFiles(temporary).Order(StringComparer.Ordinal)
                .Select(path => new ManifestEntry(System.IO.Path.GetFileName(path), new FileInfo(path).Length, HashOf(path)))
                .ToList();
            File.WriteAllText(System.IO.Path.Combine(temporary, ManifestFile), JsonSerializer.Serialize(new Manifest(FormatVersion, entries), Json));

            string previous = full + ".old";
            DeleteIfExists(previous);
            if (System.IO.Directory.Exists(full))
            {
                System.IO.Directory.Move(full, previous);
            }
            System.IO.Directory.Move(temporary, full);
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
        if (System.IO.Directory.Exists(folder))
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Opens and verifies the newest complete checkpoint among <paramref name="directory"/> and the siblings
    /// <see cref="Save"/> leaves after a crash (see <see cref="LoadNewestComplete"/>); reads nothing else yet.
    /// </summary>
    public static Checkpoint Load(string directory) => LoadNewestComplete(directory, notice: null);

    /// <summary>
    /// A crash inside <see cref="Save"/> can leave the checkpoint of <paramref name="directory"/> (checkpoints/latest)
    /// as latest.old (between the two renames) or as a complete latest.tmp-PID (after its manifest, before the
    /// renames), with latest itself missing or older. This verifies every one that exists and returns the one
    /// furthest into training; <paramref name="notice"/> is told which one is used whenever it is not
    /// <paramref name="directory"/> itself, and why.
    /// </summary>
    public static Checkpoint LoadNewestComplete(string directory, Action<string>? notice)
    {
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(directory));
        var complete = new List<Checkpoint>();
        var problems = new List<string>();
        foreach (string candidate in Candidates(full))
        {
            try
            {
                complete.Add(LoadExactly(candidate));
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
            string why = !System.IO.Directory.Exists(full) ? $"'{full}' does not exist (a save was interrupted)"
                : problems.Count > 0 ? string.Join("; ", problems)
                : $"'{full}' is at step {complete.First(c => c.Directory == full).State.NextStep:N0}";
            notice?.Invoke($"Using checkpoint '{chosen.Directory}' (step {chosen.State.NextStep:N0}), the newest complete one: {why}");
        }
        return chosen;
    }

    /// <summary>The folder itself, its .old and its .tmp-* siblings (newest first), those that exist.</summary>
    private static IEnumerable<string> Candidates(string full) =>
        new[] { full, full + ".old" }.Concat(Temporaries(full).OrderByDescending(System.IO.Directory.GetLastWriteTimeUtc))
            .Where(System.IO.Directory.Exists);

    /// <summary>The .tmp-* siblings of <paramref name="full"/> that <see cref="Save"/> writes into.</summary>
    private static string[] Temporaries(string full)
    {
        string parent = System.IO.Path.GetDirectoryName(full)!;
        return System.IO.Directory.Exists(parent) ? System.IO.Directory.GetDirectories(parent, System.IO.Path.GetFileName(full) + ".tmp-*") : [];
    }

    /// <summary>
    /// Deletes the .tmp-* siblings of <paramref name="directory"/> except <paramref name="keep"/>: a save that
    /// crashed leaves one behind, and with an Atari replay buffer each holds gigabytes. Called after every save and
    /// when a run resumes (one writer per run folder, so none of them belongs to a save in progress).
    /// </summary>
    public static void RemoveStaleTemporaries(string directory, string? keep = null)
    {
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(directory));
        foreach (string temporary in Temporaries(full))
        {
            if (keep is null || System.IO.Path.GetFullPath(temporary) != System.IO.Path.GetFullPath(keep))
            {
                System.IO.Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>Opens and verifies exactly the checkpoint in <paramref name="full"/> (manifest, format, sizes, checksums, config).</summary>
    private static Checkpoint LoadExactly(string full)
    {
        string manifestPath = System.IO.Path.Combine(full, ManifestFile);
        if (!File.Exists(manifestPath))
        {
            throw new CheckpointException($"No checkpoint at '{full}': {ManifestFile} is missing.");
        }
        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath), Json)
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
        foreach (string required in new[] { ConfigFile, StateFile, QNetworkFile, TargetNetworkFile, OptimizerFile, ReplayFile })
        {
            if (manifest.Files.All(entry => entry.Name != required))
            {
                throw new CheckpointException($"Checkpoint '{full}' lists no {required}.");
            }
        }
        foreach (var entry in manifest.Files)
        {
            string path = System.IO.Path.Combine(full, entry.Name);
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
            var config = LoadConfig(File.ReadAllText(System.IO.Path.Combine(full, ConfigFile)));
            var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(System.IO.Path.Combine(full, StateFile)), Json)
                ?? throw new CheckpointException($"Checkpoint state in '{full}' is empty.");
            return new Checkpoint(full, config, state);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"Checkpoint '{full}' has an unreadable config or state: {e.Message}", e);
        }
    }

    /// <summary>Throws unless this checkpoint was made for environments like <paramref name="envs"/>.</summary>
    public void EnsureMatches(IVectorEnv envs)
    {
        var space = envs.SingleObservationSpace;
        if (State.NumEnvs != envs.NumEnvs || !TrainedOn(envs.Id, space, envs.SingleActionSpace.N))
        {
            throw new CheckpointException(
                $"Checkpoint '{Directory}' was written for {State.NumEnvs} x {State.EnvId} with {TrainedSpaces}; "
                + $"the environments given are {envs.NumEnvs} x {envs.Id} with {space} and {envs.SingleActionSpace}.");
        }
    }

    private bool TrainedOn(string envId, BoxSpace space, int? actionCount) =>
        State.EnvId == envId && State.ObservationShape.SequenceEqual(space.Shape) && State.ObservationType == space.Dtype
        && State.ActionCount == actionCount;

    private string TrainedSpaces =>
        $"observations ({string.Join(", ", State.ObservationShape)}) {State.ObservationType} and {State.ActionCount} actions";

    /// <summary>
    /// Throws unless this checkpoint's network fits <paramref name="env"/> (one environment, as evaluation runs it):
    /// the same id as the checkpoint's config and state, the same observation shape and type, the same action count.
    /// </summary>
    public void EnsureMatches(IEnv env)
    {
        var space = env.ObservationSpace;
        int? actions = env.ActionSpace is DiscreteSpace discrete ? discrete.N : null;
        if (Config.EnvId != State.EnvId)
        {
            throw new CheckpointException(
                $"Checkpoint '{Directory}' is inconsistent: its config names {Config.EnvId}, its state was written for {State.EnvId}.");
        }
        if (!TrainedOn(env.Id, space, actions))
        {
            throw new CheckpointException(
                $"Checkpoint '{Directory}' was trained on {State.EnvId} with {TrainedSpaces}; the environment to run it on is {env.Id} with "
                + $"{space} and {env.ActionSpace}. Evaluate it on the environment it was trained on.");
        }
    }

    /// <summary>The trained Q-network of a checkpoint, for evaluation; weights that are NaN or infinite are an error.</summary>
    public QNetwork LoadQNetwork()
    {
        var space = BoxSpace.Uniform(State.ObservationShape, State.ObservationType, 0, 0);
        var network = QNetwork.Create(Config, space, State.ActionCount);
        try
        {
            network.load(PathOf(QNetworkFile));
        }
        catch (Exception e)
        {
            network.Dispose();
            throw new CheckpointException($"Cannot load the Q-network from '{PathOf(QNetworkFile)}': {e.Message}", e);
        }
        // Training that diverged saves NaN weights; evaluating them would print a meaningless mean return.
        foreach (var (name, parameter) in network.named_parameters())
        {
            bool finite;
            using (TorchSharp.torch.NewDisposeScope())
            {
                finite = TorchSharp.torch.isfinite(parameter).all().item<bool>();
            }
            if (!finite)
            {
                network.Dispose();
                throw new CheckpointException(
                    $"The Q-network in '{PathOf(QNetworkFile)}' has NaN or infinite weights (in {name}): training diverged before this checkpoint.");
            }
        }
        return network;
    }

    public static string SaveConfig(DqnConfig config) => JsonSerializer.Serialize(config, Json);

    private static DqnConfig LoadConfig(string json)
    {
        var config = JsonSerializer.Deserialize<DqnConfig>(json, Json) ?? throw new JsonException("the config is empty");
        config.EnvKwargs = config.EnvKwargs.ToDictionary(pair => pair.Key, pair => Plain(pair.Value));
        config.Validate();
        return config;
    }

    /// <summary>JSON numbers, strings and booleans back to plain .NET values, as gymnasium.make wants them.</summary>
    private static object Plain(object value) => value is not JsonElement element ? value : element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number when element.TryGetInt64(out long integer) => integer,
        JsonValueKind.Number => element.GetDouble(),
        _ => element.GetRawText(),
    };

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
