using DqnBridge.Agent.Replay;

namespace DqnBridge.Agent.Updates;

/// <summary>What one gradient step reports, for TensorBoard.</summary>
/// <param name="Loss">The TD loss (NaN when not asked for).</param>
/// <param name="QValueMean">The mean of Q(s, a) over the batch, old_val.mean() in CleanRL (NaN when not asked for).</param>
public readonly record struct UpdateStatistics(float Loss, float QValueMean)
{
    /// <summary>No statistics (a step that did not compute them).</summary>
    public static UpdateStatistics None => new(float.NaN, float.NaN);
}

/// <summary>
/// One DQN gradient step and the target network update. Implementations own their optimizer state,
/// which checkpoints save and restore.
/// </summary>
public interface IDqnUpdate : IDisposable
{
    /// <summary>Which update path this is.</summary>
    UpdatePath Path { get; }

    /// <summary>td_target from the target network, loss against Q(s, a), one optimizer step; statistics only when asked (reading them syncs the device).</summary>
    UpdateStatistics Step(DqnBatch batch, bool withStatistics)
    {
        var statistics = ComputeGradients(batch, withStatistics);
        ApplyGradients();
        return statistics;
    }

    /// <summary>
    /// The first half of <see cref="Step"/>: td_target, the loss and its (clipped) gradients, which the parameters'
    /// grad then hold. Changes no weight and no optimizer state, so a step that fails here can be taken again.
    /// </summary>
    UpdateStatistics ComputeGradients(DqnBatch batch, bool withStatistics);

    /// <summary>The second half of <see cref="Step"/>: the optimizer step with the gradients <see cref="ComputeGradients"/> left.</summary>
    void ApplyGradients();

    /// <summary>target = tau * q + (1 - tau) * target; tau = 1 copies.</summary>
    void UpdateTarget(double tau);

    /// <summary>Writes the optimizer state (for checkpoints).</summary>
    void SaveOptimizer(BinaryWriter writer);

    /// <summary>Reads what <see cref="SaveOptimizer"/> wrote.</summary>
    void LoadOptimizer(BinaryReader reader);
}
