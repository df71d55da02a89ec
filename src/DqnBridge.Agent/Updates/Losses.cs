namespace DqnBridge.Agent.Updates;

/// <summary>
/// The TD loss (the <c>loss</c> key), between td_target and Q(s, a). The reference update calls PyTorch's loss
/// functions; the fused update computes the loss and its gradient by hand (<see cref="FastPath.TdKernels.LossGradient"/>).
/// </summary>
public enum LossKind
{
    /// <summary>Mean squared error, CleanRL's <c>F.mse_loss</c>.</summary>
    Mse,

    /// <summary>Smooth L1 (Huber with delta 1), <c>F.smooth_l1_loss</c>.</summary>
    Huber,
}
