namespace DqnBridge.Agent.Training;

/// <summary>
/// A training step failed: the environment raised in step or reset, or an error came while choosing the actions,
/// storing the step's transitions, computing or logging the network update. The trainer took back what the step had
/// applied, so <see cref="CheckpointPath"/> holds the state after the previous step and `resume` takes the failed step
/// again once its cause is fixed. Null when no such checkpoint could be written (<see cref="Exception.Message"/> says
/// why); then only the last periodic checkpoint, if any, is kept.
/// </summary>
public sealed class TrainingFailedException(long step, string? checkpoint, Exception inner, string? whyNoCheckpoint = null)
    : Exception(Describe(step, checkpoint, inner, whyNoCheckpoint), inner)
{
    /// <summary>The global step that failed (0-based); the checkpoint holds the <see cref="Step"/> steps before it.</summary>
    public long Step { get; } = step;

    /// <summary>The checkpoint of the state before the failed step; null when it could not be written.</summary>
    public string? CheckpointPath { get; } = checkpoint;

    private static string Describe(long step, string? checkpoint, Exception inner, string? whyNoCheckpoint) => checkpoint is null
        ? $"Training failed at step {step}: {inner.Message}\n{whyNoCheckpoint ?? "No checkpoint of the state before it could be written"}; the last periodic checkpoint (checkpoint_frequency), if any, is kept."
        : $"Training failed at step {step}: {inner.Message}\nThe {step} steps before it are saved in {checkpoint}; fix the cause, then continue with `dqnbridge resume {Path.GetDirectoryName(Path.GetDirectoryName(checkpoint))}`.";
}
