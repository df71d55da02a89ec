using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>The pieces of a DQN update, kept apart so tests can check each against hand-computed values.</summary>
public static class DqnUpdate
{
    /// <summary>
    /// r + gamma * (1 - done) * max_a Q_target(s', a), with <paramref name="discounts"/> = gamma * (1 - done).
    /// With Double DQN the online network picks the action and the target network values it.
    /// </summary>
    public static Tensor TdTarget(QNetwork qNetwork, QNetwork targetNetwork, Tensor nextObservations, Tensor rewards, Tensor discounts, bool doubleDqn)
    {
        using var noGrad = no_grad();
        var nextQ = targetNetwork.forward(nextObservations);
        var targetMax = doubleDqn
            ? nextQ.gather(1, qNetwork.forward(nextObservations).argmax(1, keepdim: true)).squeeze(1)
            : nextQ.amax(1);
        return targetMax.mul_(discounts).add_(rewards);
    }

    public static Tensor Loss(Tensor predicted, Tensor target, LossKind kind) => kind switch
    {
        LossKind.Huber => nn.functional.smooth_l1_loss(predicted, target),
        LossKind.Mse => nn.functional.mse_loss(predicted, target),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown loss"),
    };

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
