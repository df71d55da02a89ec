using DqnBridge.Agent;
using DqnBridge.Cli.Output;
using DqnBridge.Envs;
using DqnBridge.Envs.Native;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// Trains and evaluates with the agent layer (DqnTrainer, Evaluator) on environments made by the
/// functions it is given, so the same code runs on the real environment layer and on test environments.
/// </summary>
public sealed class AgentBackend(
    Func<EnvSpec, IVectorEnv> makeVectorEnv,
    Func<EnvSpec, IEnv> makeEnv,
    Func<string, IReadOnlyList<BackendStatus>> backends,
    Func<string, IReadOnlyList<EnvironmentListing>> environments,
    Action<string>? log = null) : ITrainingBackend
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
                env.ActionSpace.StartsWith("Discrete", StringComparison.Ordinal) || env.ActionSpace == "-" ? "" : "not discrete: DQN cannot train it"))
            .ToList(),
        log: log);

    public IReadOnlyList<BackendStatus> Backends(string python) => backends(python);

    public IReadOnlyList<EnvironmentListing> ListEnvironments(string python) => environments(python);

    public TrainingResult Train(DqnConfig config, string runDirectory, Action<ProgressSnapshot> onProgress, Action<EpisodeRow> onEpisode, CancellationToken cancellation)
    {
        using var envs = makeVectorEnv(config.ToEnvSpec());
        using var trainer = new DqnTrainer(config, envs, runDirectory, new Observer(onProgress, onEpisode));
        var summary = trainer.Train(cancellation);
        return new TrainingResult(summary.Steps, TimeSpan.FromSeconds(summary.WallTimeSeconds), summary.Cancelled,
            string.IsNullOrEmpty(summary.CheckpointPath) ? null : summary.CheckpointPath);
    }

    public TrainingResult Resume(string checkpointDirectory, Action<ProgressSnapshot> onProgress, Action<EpisodeRow> onEpisode, CancellationToken cancellation)
    {
        // Loaded and verified once: its config makes the environments, then the trainer continues from it.
        var checkpoint = Checkpoint.Load(checkpointDirectory);
        if (!checkpoint.State.HasEnvState)
        {
            log?.Invoke($"{checkpoint.Config.EnvId}: the checkpoint holds no environment state, so episodes restart; the run will differ from an uninterrupted one.");
        }
        using var envs = makeVectorEnv(checkpoint.Config.ToEnvSpec());
        using var trainer = DqnTrainer.Resume(checkpoint, envs, new Observer(onProgress, onEpisode));
        long startStep = trainer.GlobalStep;
        var summary = trainer.Train(cancellation);
        long steps = summary.Steps - startStep;
        // The summary's wall time includes the time before the interruption; report this session's.
        var elapsed = TimeSpan.FromSeconds(summary.StepsPerSecond > 0 ? steps / summary.StepsPerSecond : 0);
        return new TrainingResult(steps, elapsed, summary.Cancelled,
            string.IsNullOrEmpty(summary.CheckpointPath) ? null : summary.CheckpointPath);
    }

    public EvaluationResult Evaluate(EvaluationRequest request, Action<RgbFrame>? onFrame, CancellationToken cancellation)
    {
        var checkpoint = Checkpoint.Load(FindCheckpoint(request.CheckpointPath));
        var config = checkpoint.Config;
        var spec = config.ToEnvSpec(request.RecordFrames ? "rgb_array" : null) with
        {
            NumEnvs = 1,
            Python = request.Python.Length > 0 ? request.Python : config.Python,
        };
        using var env = makeEnv(spec);
        using var network = checkpoint.LoadQNetwork();
        var returns = Evaluator.Evaluate(network, env, request.Episodes, request.Epsilon, request.Seed, onFrame);
        return new EvaluationResult(config.EnvId, returns, checkpoint.Directory);
    }

    /// <summary>Accepts a checkpoint folder, a file inside one, or a run folder (its checkpoints/latest).</summary>
    public static string FindCheckpoint(string path)
    {
        if (File.Exists(path))
            return Path.GetDirectoryName(Path.GetFullPath(path))!;
        var latest = Path.Combine(path, "checkpoints", "latest");
        if (!File.Exists(Path.Combine(path, Checkpoint.ManifestFile)) && Directory.Exists(latest))
            return latest;
        return path;
    }

    private sealed class Observer(Action<ProgressSnapshot> onProgress, Action<EpisodeRow> onEpisode) : ITrainingObserver
    {
        public void OnEpisode(EpisodeRecord e) => onEpisode(new EpisodeRow(e.GlobalStep, e.Return, e.Length, e.Epsilon));

        public void OnProgress(TrainingProgress p) => onProgress(new ProgressSnapshot(
            p.GlobalStep, p.TotalTimesteps, p.StepsPerSecond, double.IsNaN(p.RecentMeanReturn) ? null : p.RecentMeanReturn, p.Epsilon));
    }
}
