namespace DqnBridge.Agent.Updates;

/// <summary>The optimizer (the <c>optimizer</c> key): torch.optim's on the reference path, <see cref="FastPath.FlatOptimizer"/> on the fused one.</summary>
public enum OptimizerKind
{
    Adam,
    AdamW,
    RMSprop,
}

/// <summary>PyTorch's optimizer constants that both update paths use.</summary>
internal static class OptimizerDefaults
{
    public const double AdamWWeightDecay = 0.01;
    public const double RmsAlpha = 0.99;
    public const double RmsEpsilon = 1e-8;
}
