using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>The pieces of a DQN update, kept apart so tests can check each against hand-computed values.</summary>
public static class DqnUpdate
{
    /// <summary>
    /// r + gamma * (1 - done) * max_a Q_target(s', a), with <paramref name="discounts"/> = gamma * (1 - done), into
    /// <paramref name="output"/> (a new tensor when null). With Double DQN the online network picks the action and
    /// the target network values it. The max and the sums run over the network outputs in managed code: for
    /// small batches that is cheaper than three more libtorch calls, and gives the same float results.
    /// </summary>
    public static Tensor TdTarget(QNetwork qNetwork, QNetwork targetNetwork, Tensor nextObservations, Tensor rewards, Tensor discounts, bool doubleDqn, Tensor? output = null)
    {
        using var noGrad = no_grad();
        using var nextQ = targetNetwork.forward(nextObservations);
        using var onlineNextQ = doubleDqn ? qNetwork.forward(nextObservations) : null;
        var result = output ?? empty(rewards.shape[0]);
        var values = MemoryMarshal.Cast<byte, float>(nextQ.bytes);
        var chooser = onlineNextQ is null ? values : MemoryMarshal.Cast<byte, float>(onlineNextQ.bytes);
        var rewardValues = MemoryMarshal.Cast<byte, float>(rewards.bytes);
        var discountValues = MemoryMarshal.Cast<byte, float>(discounts.bytes);
        var targets = MemoryMarshal.Cast<byte, float>(result.bytes);
        int actionCount = values.Length / targets.Length;
        for (int i = 0; i < targets.Length; i++)
        {
            int row = i * actionCount;
            // The first of equal maxima, as torch.argmax picks it.
            int best = 0;
            for (int a = 1; a < actionCount; a++)
            {
                if (chooser[row + a] > chooser[row + best]) best = a;
            }
            targets[i] = values[row + best] * discountValues[i] + rewardValues[i];
        }
        return result;
    }

    /// <summary>
    /// The mean TD loss over the batch, and its gradient with respect to every Q(s_i, a) in
    /// <paramref name="gradient"/> (rows of the action count): zero but for the taken actions, where it is
    /// 2 (q - y) / B for MSE, and clamp(q - y, -1, 1) / B for Huber, as PyTorch's losses compute it.
    /// </summary>
    public static float LossGradient(ReadOnlySpan<float> qValues, ReadOnlySpan<float> targets, ReadOnlySpan<long> actions, LossKind kind, Span<float> gradient)
    {
        int batch = targets.Length;
        int actionCount = qValues.Length / batch;
        float norm = kind == LossKind.Mse ? (float)(2.0 / batch) : (float)(1.0 / batch);
        double lossSum = 0;
        gradient.Clear();
        for (int i = 0; i < batch; i++)
        {
            int index = i * actionCount + (int)actions[i];
            float difference = qValues[index] - targets[i];
            switch (kind)
            {
                case LossKind.Mse:
                    gradient[index] = norm * difference;
                    lossSum += (double)difference * difference;
                    break;
                case LossKind.Huber:
                    gradient[index] = difference < -1f ? -norm : difference > 1f ? norm : norm * difference;
                    lossSum += Math.Abs(difference) < 1f ? 0.5 * difference * difference : Math.Abs(difference) - 0.5;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown loss");
            }
        }
        return (float)(lossSum / batch);
    }

    /// <summary>Hard copy when tau = 1, otherwise Polyak averaging: target = target + tau * (q - target), on flat parameter tensors.</summary>
    public static void UpdateTarget(Tensor targetValues, Tensor qValues, double tau)
    {
        using var noGrad = no_grad();
        if (tau >= 1.0)
        {
            targetValues.copy_(qValues);
        }
        else
        {
            using var weight = tensor(tau);
            targetValues.lerp_(qValues, weight);
        }
    }
}
