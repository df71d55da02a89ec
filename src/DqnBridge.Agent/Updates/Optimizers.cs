namespace DqnBridge.Agent.Updates;

/// <summary>The optimizer (the <c>optimizer</c> key): torch.optim's on the reference path, <see cref="FastPath.FlatOptimizer"/> on the fused one.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (CleanRL's choice).</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
    /// <summary>RMSprop (the Nature DQN paper's optimizer).</summary>
    RMSprop,
}

/// <summary>PyTorch's optimizer constants that both update paths use.</summary>
internal static class OptimizerDefaults
{
    public const double AdamWWeightDecay = 0.01;
    public const double RmsAlpha = 0.99;
    public const double RmsEpsilon = 1e-8;
}
