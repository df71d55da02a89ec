using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DqnBridge.Agent.Updates;

/// <summary>
/// DQN's loss as CleanRL's dqn.py writes it: td_target = rewards + gamma * max_a target_network(next_obs) * (1 - dones)
/// (Double DQN: the online network picks the action, the target network values it), old_val = q_network(obs) at the
/// taken actions, loss = mse_loss(td_target, old_val) (or smooth_l1_loss).
/// </summary>
public sealed class DqnTdLoss(LossKind loss, bool doubleDqn) : ITdLoss
{
    /// <inheritdoc/>
    public TdLoss Compute(QNetwork qNetwork, QNetwork targetNetwork, TdBatch batch, bool perSample)
    {
        Tensor tdTarget;
        using (no_grad())
        {
            var targetMax = doubleDqn
                ? targetNetwork.forward(batch.NextObservations).gather(1, qNetwork.forward(batch.NextObservations).argmax(1, keepdim: true)).squeeze(1)
                : targetNetwork.forward(batch.NextObservations).max(1).values;
            tdTarget = batch.Rewards.Plus(batch.Discounts * targetMax * batch.Dones.OneMinus());
        }
        var oldVal = qNetwork.forward(batch.Observations).gather(1, batch.Actions).squeeze(1);
        if (perSample)
        {
            var each = loss == LossKind.Mse
                ? mse_loss(tdTarget, oldVal, reduction: nn.Reduction.None)
                : smooth_l1_loss(tdTarget, oldVal, reduction: nn.Reduction.None);
            Tensor errors;
            using (no_grad())
            {
                errors = (tdTarget - oldVal).abs();
            }
            return new TdLoss(each.mean(), oldVal, each, errors);
        }
        var value = loss == LossKind.Mse ? mse_loss(tdTarget, oldVal) : smooth_l1_loss(tdTarget, oldVal);
        return new TdLoss(value, oldVal, PerSample: null, Errors: null);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Nothing held: the one Scalar it uses is TensorArithmetic's, held for the process.
    }
}
