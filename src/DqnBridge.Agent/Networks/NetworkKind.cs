using DqnBridge.Agent.Training;

namespace DqnBridge.Agent.Networks;

/// <summary>The architecture of a <see cref="QNetwork"/> (the <c>network</c> key).</summary>
public enum NetworkKind
{
    /// <summary>Fully connected layers of <see cref="DqnConfig.HiddenSizes"/> with ReLU.</summary>
    Mlp,

    /// <summary>The Nature DQN convolutional network (uint8 frames scaled by 1/255 inside the network).</summary>
    NatureCnn,
}
