using DqnBridge.Agent.Training;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// The components on a Q-network's output side: atoms per action (1 for DQN's one value, n_atoms for c51), a dueling
/// head, noisy fully connected layers. The plain head is DQN's single linear output layer.
/// </summary>
/// <param name="Atoms">Outputs per action: 1, or the c51 support's atoms.</param>
/// <param name="VMin">The c51 support's lowest atom.</param>
/// <param name="VMax">The c51 support's highest atom.</param>
/// <param name="Dueling">Value and advantage streams (<see cref="DuelingHead"/>).</param>
/// <param name="Noisy">Every fully connected layer is a <see cref="NoisyLinear"/>.</param>
/// <param name="Sigma0">The noisy layers' initial noise scale.</param>
public sealed record QHead(int Atoms = 1, double VMin = 0, double VMax = 0, bool Dueling = false, bool Noisy = false, double Sigma0 = 0.5)
{
    /// <summary>DQN's head: one linear layer, one value per action.</summary>
    public static QHead Plain { get; } = new();

    /// <summary>The head a config asks for.</summary>
    public static QHead Of(DqnConfig config) => new(
        config.Distributional == Distributional.C51 ? config.NAtoms : 1, config.VMin, config.VMax, config.Dueling, config.Noisy, config.Sigma0);

    /// <summary>Whether the network outputs a distribution over atoms per action (c51).</summary>
    public bool IsDistributional => Atoms > 1;

    /// <summary>Whether this is DQN's plain head (the fused path and the managed greedy MLP cover only it).</summary>
    public bool IsPlain => !IsDistributional && !Dueling && !Noisy;

    /// <summary>A fully connected layer of this head's kind.</summary>
    internal nn.Module<Tensor, Tensor> Layer(int inputs, int outputs) =>
        Noisy ? new NoisyLinear(inputs, outputs, Sigma0) : nn.Linear(inputs, outputs);

    /// <summary>The output layer(s) after <paramref name="features"/> shared features: a dueling head, or null for one layer named "out".</summary>
    internal DuelingHead? DuelingOver(int features, int actions) =>
        Dueling ? new DuelingHead(Layer(features, Atoms), Layer(features, actions * Atoms), actions, Atoms) : null;
}
