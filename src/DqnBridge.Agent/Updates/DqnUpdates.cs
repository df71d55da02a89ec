using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

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

/// <summary>Chooses and creates the update path for a config and device.</summary>
public static class DqnUpdates
{
    /// <summary>
    /// The path <paramref name="requested"/> runs on <paramref name="device"/>: auto takes the fused one for CPU MLPs,
    /// where it is fastest; reference and fused stay as they are (that fused runs on the CPU only is a config rule,
    /// <see cref="DqnConfig.Problems"/>).
    /// </summary>
    public static UpdatePath Resolve(UpdatePath requested, DeviceType device, NetworkKind network) =>
        requested == UpdatePath.Auto
            ? device == DeviceType.CPU && network == NetworkKind.Mlp ? UpdatePath.Fused : UpdatePath.Reference
            : requested;

    /// <summary>
    /// The update a config asks for, over networks already on <paramref name="device"/>; the config has passed
    /// <see cref="DqnConfig.ValidateFor"/> for that device (the trainer does both).
    /// </summary>
    public static IDqnUpdate Create(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, Device device) =>
        Resolve(config.UpdatePath, device.type, config.Network) switch
        {
            UpdatePath.Fused => new FusedCpuUpdate(config, qNetwork, targetNetwork),
            _ => new ReferenceUpdate(config, qNetwork, targetNetwork, device),
        };
}
