using DqnBridge.Agent.Networks;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>One minibatch on the update's device, as the loss reads it.</summary>
/// <param name="Observations">Observations, one row per transition.</param>
/// <param name="Actions">Actions taken, (batch, 1).</param>
/// <param name="Rewards">Rewards, (batch).</param>
/// <param name="NextObservations">Next observations.</param>
/// <param name="Dones">1 where the episode terminated, (batch).</param>
/// <param name="Discounts">The bootstrap discount of each transition, (batch): gamma for one-step returns (gamma^k for k-step ones).</param>
public sealed record TdBatch(Tensor Observations, Tensor Actions, Tensor Rewards, Tensor NextObservations, Tensor Dones, Tensor Discounts);

/// <summary>What a TD loss gives the update.</summary>
/// <param name="Loss">The scalar to minimise.</param>
/// <param name="OldValues">Q(s, a) of the online network at the taken actions, (batch), for statistics.</param>
/// <param name="PerSample">Each transition's loss before the mean, (batch) (what importance weights scale and priorities
/// come from); null for a loss that computes the mean directly.</param>
public sealed record TdLoss(Tensor Loss, Tensor OldValues, Tensor? PerSample);

/// <summary>
/// The loss of one update: the target from the target network, and the loss of the online network's prediction against it.
/// <see cref="DqnTdLoss"/> is DQN's; <see cref="CategoricalTdLoss"/> is C51's. Tensors it returns belong to the caller's dispose scope.
/// </summary>
public interface ITdLoss : IDisposable
{
    /// <summary>The loss for <paramref name="batch"/>; gradients flow into <paramref name="qNetwork"/> only.</summary>
    TdLoss Compute(QNetwork qNetwork, QNetwork targetNetwork, TdBatch batch);
}
