using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>Which implementation of the DQN update runs (the <c>update_path</c> key); both compute the same update.</summary>
public enum UpdatePath
{
    /// <summary>Fused on the CPU (MLP or plain Nature CNN), reference otherwise.</summary>
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
    /// The path <paramref name="requested"/> runs on <paramref name="device"/>: auto takes the fused one on the CPU, where
    /// it is fastest for MLPs and the Nature CNN; reference and fused stay as they are (that fused runs on the CPU only is a config rule,
    /// <see cref="DqnConfig.Problems"/>).
    /// </summary>
    public static UpdatePath Resolve(UpdatePath requested, DeviceType device) =>
        requested == UpdatePath.Auto
            ? device == DeviceType.CPU ? UpdatePath.Fused : UpdatePath.Reference
            : requested;

    /// <summary>As the other overload, and auto takes the reference path for a config with components the fused path does not cover.</summary>
    public static UpdatePath Resolve(DqnConfig config, DeviceType device) =>
        config.UpdatePath == UpdatePath.Auto && NotCoveredByFusedPath(config) is not null
            ? UpdatePath.Reference
            : Resolve(config.UpdatePath, device);

    /// <summary>
    /// The settings of <paramref name="config"/> the fused path does not implement, as the keys read
    /// (e.g. "distributional = c51, noisy = true"); null when it covers them all.
    /// </summary>
    public static string? NotCoveredByFusedPath(DqnConfig config)
    {
        var settings = new List<string>();
        if (config.Distributional != Distributional.None && config.Network != NetworkKind.Mlp)
        {
            settings.Add($"distributional = {config.Distributional.ToString().ToLowerInvariant()} with network = nature_cnn");
        }
        if (config.Dueling)
        {
            settings.Add("dueling = true");
        }
        if (config.Noisy)
        {
            settings.Add("noisy = true");
        }
        return settings.Count == 0 ? null : string.Join(", ", settings);
    }

    /// <summary>
    /// What to tell the user when update_path = auto leaves the fused path (an MLP's or the Nature CNN's) because of
    /// settings it does not cover (null otherwise): auto picks the reference path for them.
    /// </summary>
    public static string? AutoChoiceNotice(DqnConfig config) =>
        config.UpdatePath == UpdatePath.Auto && NotCoveredByFusedPath(config) is { } uncovered
            ? $"update_path = auto: the reference update path runs ({uncovered} is not covered by the fused path)."
            : null;

    /// <summary>
    /// The update a config asks for, over networks already on <paramref name="device"/>; the config has passed
    /// <see cref="DqnConfig.ValidateFor"/> for that device (the trainer does both).
    /// </summary>
    public static IDqnUpdate Create(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, Device device, FactorisedNoise? noise = null) =>
        Resolve(config, device.type) switch
        {
            UpdatePath.Fused => new FusedCpuUpdate(config, qNetwork, targetNetwork),
            _ => new ReferenceUpdate(config, qNetwork, targetNetwork, device, noise),
        };
}
