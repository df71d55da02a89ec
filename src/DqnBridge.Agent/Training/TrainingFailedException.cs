namespace DqnBridge.Agent.Training;

/// <summary>
/// A training step failed (the environment raised in step or reset, or an error while choosing the actions) before any
/// of it was applied. <see cref="CheckpointPath"/> holds the state after the previous step, so `resume` takes the failed
/// step again once its cause is fixed; null when that checkpoint could not be written either.
/// </summary>
public sealed class TrainingFailedException(long step, string? checkpoint, Exception inner)
    : Exception(Describe(step, checkpoint, inner), inner)
{
    /// <summary>The global step that failed (0-based); the checkpoint holds the <see cref="Step"/> steps before it.</summary>
    public long Step { get; } = step;

    /// <summary>The checkpoint of the state before the failed step; null when it could not be written.</summary>
    public string? CheckpointPath { get; } = checkpoint;

    private static string Describe(long step, string? checkpoint, Exception inner) => checkpoint is null
        ? $"Training failed at step {step}: {inner.Message}\nNo checkpoint of the state before it could be written; the last periodic checkpoint, if any, is kept."
        : $"Training failed at step {step}: {inner.Message}\nThe {step} steps before it are saved in {checkpoint}; fix the cause, then continue with `dqnbridge resume {Path.GetDirectoryName(Path.GetDirectoryName(checkpoint))}`.";
}
