using DqnBridge.Agent.Replay;

namespace DqnBridge.Agent.Updates;

/// <summary>What one gradient step reports, for TensorBoard.</summary>
/// <param name="Loss">The TD loss (NaN when not asked for).</param>
/// <param name="QValueMean">The mean of Q(s, a) over the batch, old_val.mean() in CleanRL (NaN when not asked for).</param>
public readonly record struct UpdateStatistics(float Loss, float QValueMean)
{
    public static UpdateStatistics None => new(float.NaN, float.NaN);
}

/// <summary>
/// One DQN gradient step and the target network update. Implementations own their optimizer state,
/// which checkpoints save and restore.
/// </summary>
public interface IDqnUpdate : IDisposable
{
    UpdatePath Path { get; }

    /// <summary>td_target from the target network, loss against Q(s, a), one optimizer step; statistics only when asked (reading them syncs the device).</summary>
    UpdateStatistics Step(DqnBatch batch, bool withStatistics);

    /// <summary>target = tau * q + (1 - tau) * target; tau = 1 copies.</summary>
    void UpdateTarget(double tau);

    void SaveOptimizer(BinaryWriter writer);

    void LoadOptimizer(BinaryReader reader);
}
