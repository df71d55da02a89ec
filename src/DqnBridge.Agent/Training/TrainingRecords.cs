namespace DqnBridge.Agent.Training;

/// <summary>One finished episode, as it goes to episodes.csv and to observers.</summary>
/// <param name="GlobalStep">The global step at which the episode ended.</param>
/// <param name="Episode">Episodes finished so far, this one included (1-based).</param>
/// <param name="Return">Unclipped sum of rewards.</param>
/// <param name="Length">Steps in the episode.</param>
/// <param name="Epsilon">The exploration rate when it ended.</param>
/// <param name="WallTime">Seconds of training since the run started (resumes included).</param>
public sealed record EpisodeRecord(long GlobalStep, long Episode, double Return, int Length, double Epsilon, double WallTime);

/// <summary>Where training stands; sent every ~1000 steps or ~0.5 s.</summary>
public sealed record TrainingProgress(long GlobalStep, long TotalTimesteps, double StepsPerSecond, double RecentMeanReturn, double Epsilon, long Episodes);

/// <summary>How a call to <see cref="DqnTrainer.Train"/> ended.</summary>
/// <param name="Steps">The global step reached (environment steps over all environments of the vector).</param>
/// <param name="Episodes">Episodes finished, resumes included.</param>
/// <param name="WallTimeSeconds">Seconds of training, resumes included.</param>
/// <param name="StepsPerSecond">Environment steps per second of this call.</param>
/// <param name="MeanReturn">Mean return of the last 100 episodes (NaN when none finished).</param>
/// <param name="StdReturn">Their population standard deviation.</param>
/// <param name="CheckpointPath">The checkpoint written at the end (or on cancellation).</param>
/// <param name="Cancelled">True when the cancellation token stopped training before the end.</param>
public sealed record TrainingSummary(
    long Steps, long Episodes, double WallTimeSeconds, double StepsPerSecond,
    double MeanReturn, double StdReturn, string CheckpointPath, bool Cancelled);

/// <summary>Receives training events (a progress bar, a console table). Called on the training thread.</summary>
public interface ITrainingObserver
{
    /// <summary>Called when an episode ends.</summary>
    void OnEpisode(EpisodeRecord e);

    /// <summary>Called at each log interval.</summary>
    void OnProgress(TrainingProgress p);

    /// <summary>Called after each evaluation during training (eval_frequency), once eval.csv and any new checkpoints/best are written.</summary>
    void OnEvaluation(EvaluationRecord e)
    {
    }

    /// <summary>Called every debug_frequency steps with what the agent saw and did.</summary>
    void OnDebugView(DebugView view)
    {
    }
}

/// <summary>One evaluation during training, as its row of eval.csv.</summary>
/// <param name="GlobalStep">The steps done when it ran.</param>
/// <param name="Returns">Max, mean and min of the raw returns of its episodes.</param>
/// <param name="IsBest">Whether its mean is the best so far, so its weights are now checkpoints/best.</param>
public sealed record EvaluationRecord(long GlobalStep, ReturnStatistics Returns, bool IsBest);
