using DqnBridge.Agent;
using DqnBridge.Envs;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>One finished episode, as the learning curve and the summary use it.</summary>
public sealed record EpisodeRow(long GlobalStep, double Return, int Length, double Epsilon);

/// <summary>How a training run ended.</summary>
public sealed record TrainingResult(long Steps, TimeSpan Elapsed, bool Cancelled, string? CheckpointPath)
{
    public double StepsPerSecond => Elapsed.TotalSeconds > 0 ? Steps / Elapsed.TotalSeconds : 0;
}

/// <summary>What `evaluate` asks for; the environment comes from the checkpoint's own config.</summary>
public sealed record EvaluationRequest(string CheckpointPath, int Episodes, double Epsilon, int Seed, bool RecordFrames, string Python);

/// <param name="CheckpointDirectory">The checkpoint folder actually loaded (a run folder resolves to its latest checkpoint).</param>
public sealed record EvaluationResult(string EnvId, IReadOnlyList<double> Returns, string CheckpointDirectory)
{
    /// <summary>For Atari: each episode's return with rewards clipped to their sign (what the agent trained on); null otherwise.</summary>
    public IReadOnlyList<double>? ClippedReturns { get; init; }
}

/// <summary>An environment the command can train on, and where it comes from.</summary>
public sealed record EnvironmentListing(string Id, string Backend, string ActionSpace, string Notes);

/// <summary>Whether the Gymnasium backend can be used, and why not.</summary>
public sealed record BackendStatus(string Name, bool Available, string Detail);

/// <summary>
/// The seam between the command line and the layers below it (agent, environments). The command line
/// owns configs, run folders, progress, CSV, plots, videos and exit codes; the backend trains and evaluates.
/// </summary>
public interface ITrainingBackend
{
    IReadOnlyList<BackendStatus> Backends(string python);

    IReadOnlyList<EnvironmentListing> ListEnvironments(string python);

    /// <summary>Trains in <paramref name="runDirectory"/>, writing episodes.csv, TensorBoard events and checkpoints there.</summary>
    TrainingResult Train(DqnConfig config, string runDirectory, Action<ProgressSnapshot> onProgress, Action<EpisodeRow> onEpisode, CancellationToken cancellation);

    /// <summary>
    /// Continues the run a checkpoint belongs to, in that run's folder and with the config saved in the checkpoint,
    /// so that it ends as the uninterrupted run would have.
    /// </summary>
    TrainingResult Resume(string checkpointDirectory, Action<ProgressSnapshot> onProgress, Action<EpisodeRow> onEpisode, CancellationToken cancellation);

    EvaluationResult Evaluate(EvaluationRequest request, Action<RgbFrame>? onFrame, CancellationToken cancellation);
}
