using DqnBridge.Agent.Training;
using DqnBridge.Cli.Output;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Commands;

/// <summary>What `evaluate` asks for; the environment comes from the checkpoint's own config.</summary>
public sealed record EvaluationRequest(string CheckpointPath, int Episodes, double Epsilon, int Seed, bool RecordFrames, string Python);

/// <param name="CheckpointDirectory">The checkpoint folder actually loaded (a run folder resolves to its newest complete checkpoint).</param>
public sealed record EvaluationResult(string EnvId, IReadOnlyList<double> Returns, string CheckpointDirectory)
{
    /// <summary>What the user should know about the checkpoint used (a fallback after a crashed save).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>For Atari: each episode's return with rewards clipped to their sign (what the agent trained on); null otherwise.</summary>
    public IReadOnlyList<double>? ClippedReturns { get; init; }
}

/// <summary>An environment id, where it comes from, and whether it can be made here.</summary>
public sealed record EnvironmentListing(string Id, string Backend, string ActionSpace, string Notes)
{
    /// <summary>Why a registered id cannot be made with this Python (a missing ROM, ale-py, mujoco, Box2D, OpenCV), or null when it can.</summary>
    public EnvUnavailability? Unavailable { get; init; }
}

/// <summary>Whether the Gymnasium backend can be used, and why not.</summary>
public sealed record BackendStatus(string Name, bool Available, string Detail);

/// <summary>What a backend tells the command line while it trains; every member is called on the training thread.</summary>
/// <param name="OnProgress">Where training stands, for the progress display.</param>
/// <param name="OnEpisode">Each finished episode (the trainer itself writes it to episodes.csv).</param>
public sealed record TrainingEvents(Action<TrainingProgress> OnProgress, Action<EpisodeRecord> OnEpisode)
{
    /// <summary>
    /// Called once the environments exist and before the trainer writes anything into the run folder: the
    /// moment a run counts as started (`train --overwrite` replaces the old run only then).
    /// </summary>
    public Action OnStarting { get; init; } = () => { };

    /// <summary>Something the user should read (which checkpoint a resume uses, rows missing from episodes.csv).</summary>
    public Action<string> OnNotice { get; init; } = _ => { };
}

/// <summary>
/// The seam between the command line and the layers below it (agent, environments). The command line owns
/// configs, run folders and their lock, progress, plots, videos and exit codes; the backend trains and
/// evaluates, and its trainer writes episodes.csv, TensorBoard events and checkpoints into the run folder.
/// </summary>
public interface ITrainingBackend
{
    IReadOnlyList<BackendStatus> Backends(string python);

    IReadOnlyList<EnvironmentListing> ListEnvironments(string python);

    /// <summary>Trains in <paramref name="runDirectory"/>, writing episodes.csv, TensorBoard events and checkpoints there.</summary>
    TrainingSummary Train(DqnConfig config, string runDirectory, TrainingEvents events, CancellationToken cancellation);

    /// <summary>
    /// Continues the run a checkpoint belongs to, in that run's folder and with the config saved in the checkpoint,
    /// so that it ends as the uninterrupted run would have. <paramref name="checkpointDirectory"/> names
    /// checkpoints/latest; the newest complete one of latest, latest.old and latest.tmp-* is used.
    /// </summary>
    TrainingSummary Resume(string checkpointDirectory, TrainingEvents events, CancellationToken cancellation);

    /// <summary>
    /// Makes the environment of <paramref name="config"/> once (one copy, its wrappers) and closes it, so a benchmark
    /// finds an unknown id, continuous actions or preprocessing that does not fit before any cell trains.
    /// </summary>
    void CheckEnvironment(DqnConfig config)
    {
    }

    /// <summary>
    /// When the run of <paramref name="checkpointDirectory"/> has already finished (all total_timesteps, or
    /// max_episodes), what to tell the user instead of resuming it; null when there is training left.
    /// </summary>
    string? FinishedRun(string checkpointDirectory) => null;

    EvaluationResult Evaluate(EvaluationRequest request, Action<RgbFrame>? onFrame, CancellationToken cancellation);
}
