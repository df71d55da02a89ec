using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>Which implementation of the DQN update runs (the <c>update_path</c> key); both compute the same update.</summary>
public enum UpdatePath
{
    /// <summary>Fused on the CPU for an MLP, reference otherwise.</summary>
    Auto,

    /// <summary><see cref="ReferenceUpdate"/>: TorchSharp ops, autograd and torch.optim, on any device.</summary>
    Reference,

    /// <summary><see cref="FusedCpuUpdate"/>: the CPU fast path (managed TD target, loss gradient and optimizer).</summary>
    Fused,
}

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

public static class DqnUpdates
{
    /// <summary>The path a config runs on <paramref name="device"/>: auto takes the fused one for CPU MLPs, where it is fastest.</summary>
    public static UpdatePath Resolve(UpdatePath requested, DeviceType device, NetworkKind network)
    {
        bool onCpu = device == DeviceType.CPU;
        return requested switch
        {
            UpdatePath.Auto => onCpu && network == NetworkKind.Mlp ? UpdatePath.Fused : UpdatePath.Reference,
            UpdatePath.Fused when !onCpu => throw new ArgumentException(
                $"Invalid config: update_path = fused runs on the CPU only, and device resolves to {device.ToString().ToLowerInvariant()}; use update_path=reference (or auto)."),
            _ => requested,
        };
    }

    /// <summary>The update a config asks for, over networks already on <paramref name="device"/>.</summary>
    public static IDqnUpdate Create(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, Device device) =>
        Resolve(config.UpdatePath, device.type, config.Network) switch
        {
            UpdatePath.Fused => new FusedCpuUpdate(config, qNetwork, targetNetwork),
            _ => new ReferenceUpdate(config, qNetwork, targetNetwork, device),
        };
}
