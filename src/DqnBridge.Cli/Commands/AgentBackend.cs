using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Envs.Native;
using DqnBridge.Python;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// Trains and evaluates with the agent layer (DqnTrainer, EpisodePlayer) on environments made by the
/// functions it is given, so the same code runs on the real environment layer and on test environments.
/// </summary>
public sealed class AgentBackend(
    Func<EnvSpec, IVectorEnv> makeVectorEnv,
    Func<EnvSpec, IEnv> makeEnv,
    Func<string, IReadOnlyList<BackendStatus>> backends,
    Func<string, IReadOnlyList<EnvironmentListing>> environments) : ITrainingBackend
{
    /// <summary>The real thing: environments from the environment layer (built-in or Gymnasium), messages to <paramref name="log"/>.</summary>
    public static AgentBackend OnEnvironmentLayer(Action<string> log) => new(
        makeVectorEnv: spec => EnvFactory.MakeVector(spec, log),
        makeEnv: spec => EnvFactory.Make(spec, log),
        backends: python =>
        [
            new BackendStatus("native", true, $"built-in {string.Join(", ", NativeEnvs.Ids)} (no Python needed)"),
            PythonProbe.Gymnasium(python),
        ],
        environments: python => EnvFactory.ListEnvironments(python)
            .Select(env => new EnvironmentListing(
                env.Id,
                string.Join(", ", env.Backends.Select(backend => backend.ToString().ToLowerInvariant())),
                env.ActionSpace,
                env.ActionSpace.StartsWith("Discrete", StringComparison.Ordinal) || env.ActionSpace == "-" ? "" : "not discrete: DQN cannot train it")
            {
                Unavailable = env.Unavailable,
            })
            .ToList());

    public IReadOnlyList<BackendStatus> Backends(string python) => backends(python);

    public IReadOnlyList<EnvironmentListing> ListEnvironments(string python) => environments(python);

    public TrainingSummary Train(DqnConfig config, string runDirectory, TrainingEvents events, CancellationToken cancellation)
    {
        using var envs = makeVectorEnv(config.ToEnvSpec());
        EnsureNetworkFits(config, envs);
        RecordInterpreter(config, envs);
        events.OnStarting();
        using var trainer = new DqnTrainer(config, envs, runDirectory, new Observer(events, runDirectory, cancellation));
        trainer.EnablePeriodicEvaluation(() => makeEnv(EvaluationEnvSpec(config)));
        return trainer.Train(cancellation);
    }

    public TrainingSummary Resume(string checkpointDirectory, TrainingEvents events, CancellationToken cancellation)
    {
        // Loaded and verified once (the newest complete of latest, latest.old, latest.tmp-*): its config makes the
        // environments, then the trainer continues from it.
        var checkpoint = Checkpoint.LoadNewestComplete(checkpointDirectory, events.OnNotice);
        CheckpointFolder.RemoveStaleTemporaries(checkpointDirectory, keep: checkpoint.Directory);
        string runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(checkpoint.Directory)!)!;
        if (MissingEpisodes(Path.Combine(runDirectory, TrainingRun.EpisodesFile), checkpoint.State) is { } missing)
        {
            events.OnNotice(missing);
        }

        if (!checkpoint.State.HasEnvState)
        {
            events.OnNotice($"{checkpoint.Config.EnvId}: the checkpoint holds no environment state, so episodes restart; the run will differ from an uninterrupted one.");
        }

        using var envs = makeVectorEnv(checkpoint.Config.ToEnvSpec());
        if (checkpoint.State.HasEnvState && envs is IRestorableVectorEnv restorable
            && restorable.RestoreNotice(File.ReadAllBytes(checkpoint.PathOf(Checkpoint.EnvStateFile))) is { } slowRestore)
        {
            events.OnNotice(slowRestore);
        }

        events.OnNotice(TorchRuntime.ResolveThreads(checkpoint.Config.TorchThreads, checkpoint.Config.Network).Description);
        events.OnStarting();
        using var trainer = DqnTrainer.Resume(checkpoint, envs, new Observer(events, runDirectory, cancellation));
        trainer.EnablePeriodicEvaluation(() => makeEnv(EvaluationEnvSpec(checkpoint.Config)));
        return trainer.Train(cancellation);
    }

    public void CheckEnvironment(DqnConfig config)
    {
        using var envs = makeVectorEnv(config.ToEnvSpec() with { NumEnvs = 1 });
        EnsureNetworkFits(config, envs);
    }

    /// <summary>
    /// The network's own rule on observations (the Nature CNN takes (stack, 84, 84) frames), checked by making it once
    /// (the trainer seeds torch before making its own): a network that does not fit the preprocessing is a usage error.
    /// </summary>
    private static void EnsureNetworkFits(DqnConfig config, IVectorEnv envs)
    {
        try
        {
            using var network = QNetwork.Create(config, envs.SingleObservationSpace, envs.SingleActionSpace.N);
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            throw new CliException(
                $"{config.EnvId} with wrappers={ConfigKeys.EnumName(config.Wrappers.ToString())} does not fit network={ConfigKeys.EnumName(config.Network.ToString())}: {message} " +
                "Use network=mlp for vector observations, or wrappers that make 84x84 frames for the CNN (atari for ALE ids).",
                ExitCodes.UsageError);
        }
    }

    public string? FinishedRun(string checkpointDirectory)
    {
        var checkpoint = Checkpoint.LoadNewestComplete(checkpointDirectory, _ => { });
        var (config, state) = (checkpoint.Config, checkpoint.State);
        string runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(checkpoint.Directory)!)!;
        string? why = state.NextStep >= config.TotalTimesteps ? $"it trained all {config.TotalTimesteps:N0} steps (total_timesteps)"
            : config.MaxEpisodes > 0 && state.Episodes >= config.MaxEpisodes ? $"it played all {config.MaxEpisodes:N0} episodes (max_episodes)"
            : null;
        return why is null ? null
            : $"Run {runDirectory} has already finished: {why}; there is nothing to resume and nothing was changed.\n" +
              $"Evaluate it with: dqnbridge evaluate {runDirectory}\nTo train longer, start a new run (dqnbridge train -c {Path.Combine(runDirectory, TrainingRun.ConfigFile)} total_timesteps=N).";
    }

    /// <summary>A warning when episodes.csv lists fewer episodes than the checkpoint counts (lost or cut by hand), or null.</summary>
    public static string? MissingEpisodes(string episodesCsv, TrainerState state)
    {
        if (state.Episodes == 0)
        {
            return null;
        }

        if (!File.Exists(episodesCsv))
        {
            return $"warning: {episodesCsv} is missing: episodes 1 to {state.Episodes} (before step {state.NextStep:N0}) are not in it; " +
                   $"the resumed run starts a new file at episode {state.Episodes + 1}.";
        }

        long rows = File.ReadLines(episodesCsv).Skip(1).Count(line => line.Length > 0);
        if (rows >= state.Episodes)
        {
            return null;
        }

        return $"warning: {episodesCsv} lists {rows} episodes but the checkpoint counts {state.Episodes}: episodes {rows + 1} to {state.Episodes} " +
               $"(before step {state.NextStep:N0}) are missing from it; the resumed run appends from episode {state.Episodes + 1}.";
    }

    public EvaluationResult Evaluate(EvaluationRequest request, Action<RgbFrame>? onFrame, CancellationToken cancellation)
    {
        var notices = new List<string>();
        var checkpoint = Checkpoint.LoadNewestComplete(FindCheckpoint(request.CheckpointPath), notices.Add);
        var config = checkpoint.Config;
        var spec = config.ToEnvSpec(request.RecordFrames ? "rgb_array" : null) with
        {
            NumEnvs = 1,
            Python = request.Python.Length > 0 ? request.Python : config.Python,
        };
        using var env = makeEnv(spec);
        checkpoint.EnsureMatches(env);
        TorchRuntime.UseThreads(config.TorchThreads, config.Network); // libtorch's own default is a thread per core
        using var network = checkpoint.LoadQNetwork();
        var episodes = EpisodePlayer.Play(network, env, request.Episodes, maxSteps: 0, request.Epsilon, request.Seed, onFrame, cancellation);
        return new EvaluationResult(config.EnvId, [.. episodes.Select(e => e.Return)], checkpoint.Directory)
        {
            Notices = notices,
            ClippedReturns = config.Wrappers == EnvWrappers.Atari ? [.. episodes.Select(e => e.ClippedReturn)] : null,
        };
    }

    /// <summary>
    /// When DQNBRIDGE_PYTHON or PATH chose the Python that made Gymnasium environments, the config (hence
    /// config.yaml and the checkpoint) names it by its absolute path, so repeating the run uses the same Python.
    /// </summary>
    private static void RecordInterpreter(DqnConfig config, IVectorEnv envs)
    {
        if (string.IsNullOrWhiteSpace(config.Python) && envs is GymnasiumVectorEnv && GymnasiumRuntime.Interpreter is { } python)
        {
            config.Python = python.AbsoluteExecutable;
        }
    }

    /// <summary>The environment periodic evaluation plays on: one, with training's preprocessing and vectorization (see <see cref="EnvFactory.Make"/>).</summary>
    public static EnvSpec EvaluationEnvSpec(DqnConfig config) => config.ToEnvSpec() with { NumEnvs = 1 };

    /// <summary>
    /// Accepts a checkpoint folder, a file inside one, or a run folder (its checkpoints/latest, which may be missing
    /// after a crash between the checkpoint renames: the loader then falls back to latest.old or latest.tmp-*).
    /// </summary>
    public static string FindCheckpoint(string path)
    {
        if (File.Exists(path))
        {
            return Path.GetDirectoryName(Path.GetFullPath(path))!;
        }

        var checkpoints = Path.Combine(path, "checkpoints");
        bool isRunFolder = Directory.Exists(checkpoints) || File.Exists(Path.Combine(path, TrainingRun.ConfigFile))
                           || File.Exists(Path.Combine(path, RunLock.FileName));
        if (!File.Exists(Path.Combine(path, Checkpoint.ManifestFile)) && isRunFolder)
        {
            return Path.Combine(checkpoints, "latest");
        }

        return path;
    }

    /// <summary>Whether <paramref name="checkpointDirectory"/> or one of the siblings a crashed save leaves exists.</summary>
    public static bool CheckpointExists(string checkpointDirectory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpointDirectory));
        var parent = Path.GetDirectoryName(full);
        return Directory.Exists(full) || Directory.Exists(full + ".old")
            || (parent is not null && Directory.Exists(parent) && Directory.GetDirectories(parent, Path.GetFileName(full) + ".tmp-*").Length > 0);
    }

    /// <summary>Passes episodes and progress on; draws eval_curve.png after each evaluation and writes the debug views.</summary>
    private sealed class Observer(TrainingEvents events, string runDirectory, CancellationToken cancellation) : ITrainingObserver
    {
        private readonly long? _heldEpisode = TestHooks.HeldEpisode();

        public void OnEpisode(EpisodeRecord e)
        {
            events.OnEpisode(e);
            if (e.Episode == _heldEpisode)
            {
                TestHooks.HoldUntilStopped(e.Episode, Console.Out, cancellation);
            }
        }

        public void OnProgress(TrainingProgress p) => events.OnProgress(p);

        public void OnEvaluation(EvaluationRecord e) =>
            EvalCurve.SaveIfPresent(runDirectory, $"Evaluations of {Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory))}");

        public void OnDebugView(DebugView view) => DebugViewFiles.Save(runDirectory, view);
    }
}
