using DqnBridge.Agent.Updates;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// The TD target, the loss and the loss's gradient with respect to Q(s, .), by hand over the tensors' memory: for a
/// small batch one managed loop is cheaper than the chain of libtorch calls the reference update makes (max, gather,
/// arithmetic, mse_loss, autograd through gather). The gradient is autograd's bit for bit (TdKernelTests); the target
/// rounds in another order (gamma^k * (1 - done) first), so the fused update stays within float rounding of the
/// reference update (UpdatePathTests.ReferenceAndFusedPathsAgreeAfterManyUpdates).
/// </summary>
internal static class TdKernels
{
    /// <summary>gamma^k * (1 - done) per transition (gamma^k from the batch), so that the target is one multiply-add per row.</summary>
    public static void Discounts(ReadOnlySpan<float> bootstrapDiscounts, ReadOnlySpan<float> dones, Span<float> discounts)
    {
        for (int i = 0; i < discounts.Length; i++)
        {
            discounts[i] = bootstrapDiscounts[i] * (1f - dones[i]);
        }
    }

    /// <summary>
    /// targets = r + gamma^k * (1 - done) * Q_target(s', a*), with <paramref name="discounts"/> = gamma^k * (1 - done) and a*
    /// the first maximum of <paramref name="chooser"/> in each row (as torch.argmax picks it). <paramref name="chooser"/>
    /// is <paramref name="nextQ"/> itself for DQN, the online network's Q(s', .) for Double DQN. Rows hold one value per action.
    /// </summary>
    public static void TdTarget(ReadOnlySpan<float> nextQ, ReadOnlySpan<float> chooser, ReadOnlySpan<float> rewards, ReadOnlySpan<float> discounts, Span<float> targets)
    {
        int actionCount = nextQ.Length / targets.Length;
        for (int i = 0; i < targets.Length; i++)
        {
            int row = i * actionCount;
            int best = 0;
            for (int a = 1; a < actionCount; a++)
            {
                if (chooser[row + a] > chooser[row + best])
                {
                    best = a;
                }
            }
            targets[i] = nextQ[row + best] * discounts[i] + rewards[i];
        }
    }

    /// <summary>
    /// The mean TD loss over the batch, and its gradient with respect to every Q(s_i, a) in
    /// <paramref name="gradient"/> (rows of the action count): zero but for the taken actions, where it is
    /// 2 (q - y) / B for MSE, and clamp(q - y, -1, 1) / B for Huber, as PyTorch's losses compute it.
    /// With <paramref name="weights"/> (prioritized replay) each row's loss and gradient are multiplied by its weight
    /// first, and <paramref name="absoluteErrors"/> receives |q - y| per row.
    /// </summary>
    public static float LossGradient(
        ReadOnlySpan<float> qValues, ReadOnlySpan<float> targets, ReadOnlySpan<long> actions, LossKind kind, Span<float> gradient,
        ReadOnlySpan<float> weights = default, Span<float> absoluteErrors = default)
    {
        bool weighted = !weights.IsEmpty;
        int batch = targets.Length;
        int actionCount = qValues.Length / batch;
        float norm = kind == LossKind.Mse ? (float)(2.0 / batch) : (float)(1.0 / batch);
        double lossSum = 0;
        gradient.Clear();
        for (int i = 0; i < batch; i++)
        {
            int index = i * actionCount + (int)actions[i];
            float difference = qValues[index] - targets[i];
            double rowLoss;
            switch (kind)
            {
                case LossKind.Mse:
                    gradient[index] = norm * difference;
                    rowLoss = (double)difference * difference;
                    break;
                case LossKind.Huber:
                    gradient[index] = difference < -1f ? -norm : difference > 1f ? norm : norm * difference;
                    rowLoss = Math.Abs(difference) < 1f ? 0.5 * difference * difference : Math.Abs(difference) - 0.5;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown loss");
            }
            if (weighted)
            {
                gradient[index] *= weights[i];
                rowLoss *= weights[i];
                absoluteErrors[i] = Math.Abs(difference);
            }
            lossSum += rowLoss;
        }
        return (float)(lossSum / batch);
    }
}
