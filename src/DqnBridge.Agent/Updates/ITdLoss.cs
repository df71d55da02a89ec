using DqnBridge.Agent.Networks;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>One minibatch on the update's device, as the loss reads it.</summary>
/// <param name="Observations">Observations, one row per transition.</param>
/// <param name="Actions">Actions taken, (batch, 1).</param>
/// <param name="Rewards">Rewards, (batch).</param>
/// <param name="NextObservations">Next observations.</param>
/// <param name="Dones">1 where the episode terminated, (batch).</param>
/// <param name="Discounts">The bootstrap discount of each transition, (batch): gamma for one-step returns, gamma^k for k-step ones.</param>
public sealed record TdBatch(Tensor Observations, Tensor Actions, Tensor Rewards, Tensor NextObservations, Tensor Dones, Tensor Discounts);

/// <summary>What a TD loss gives the update.</summary>
/// <param name="Loss">The scalar to minimise.</param>
/// <param name="OldValues">Q(s, a) of the online network at the taken actions, (batch), for statistics.</param>
/// <param name="PerSample">Each transition's loss before the mean, (batch), what importance weights scale; null unless asked for.</param>
/// <param name="Errors">Each transition's error for its new priority, (batch), no gradient: |td_target - old_val| for DQN,
/// the cross-entropy for C51 (as Rainbow); null unless asked for.</param>
public sealed record TdLoss(Tensor Loss, Tensor OldValues, Tensor? PerSample, Tensor? Errors);

/// <summary>
/// The loss of one update: the target from the target network, and the loss of the online network's prediction against it.
/// <see cref="DqnTdLoss"/> is DQN's; <see cref="CategoricalTdLoss"/> is C51's. Tensors it returns belong to the caller's dispose scope.
/// </summary>
public interface ITdLoss : IDisposable
{
    /// <summary>The loss for <paramref name="batch"/>; gradients flow into <paramref name="qNetwork"/> only. <paramref name="perSample"/> asks for the per-transition loss and errors too (prioritized replay).</summary>
    TdLoss Compute(QNetwork qNetwork, QNetwork targetNetwork, TdBatch batch, bool perSample);
}
