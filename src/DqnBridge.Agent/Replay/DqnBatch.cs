using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// One minibatch as CleanRL's replay buffer samples it: observations, actions, next_observations, dones
/// and rewards, in preallocated CPU tensors that the replay buffer writes straight into (<see cref="View"/>).
/// An update on another device copies them there. Beyond CleanRL's fields: the bootstrap discount of each
/// transition (gamma^k for an n-step return of k steps), and for prioritized replay the importance weights,
/// the sampled slots and the |TD errors| the update writes back as their new priorities.
/// </summary>
public sealed class DqnBatch : IDisposable
{
    /// <summary>Allocates tensors for <paramref name="batchSize"/> transitions of the given observation shape and type.</summary>
    /// <param name="batchSize">Transitions per batch.</param>
    /// <param name="observationShape">Shape of one observation as the network takes it.</param>
    /// <param name="observationType">Element type of the observations.</param>
    /// <param name="prioritized">Whether the batch comes from prioritized replay: the update weights each loss by <see cref="Weights"/> and writes <see cref="TdErrors"/>.</param>
    public DqnBatch(int batchSize, IReadOnlyList<long> observationShape, ScalarType observationType, bool prioritized = false)
    {
        long[] shape = [batchSize, .. observationShape];
        Observations = zeros(shape, observationType);
        NextObservations = zeros(shape, observationType);
        Actions = zeros([batchSize, 1], ScalarType.Int64);
        Rewards = zeros(batchSize);
        Dones = zeros(batchSize);
        Discounts = zeros(batchSize);
        Weights = ones(batchSize);
        Slots = new int[batchSize];
        TdErrors = new float[batchSize];
        Prioritized = prioritized;
    }

    /// <summary>Observations, one row per transition.</summary>
    public Tensor Observations { get; }
    /// <summary>Next observations, one row per transition (k steps on for an n-step return of k steps).</summary>
    public Tensor NextObservations { get; }

    /// <summary>The actions taken, shape (batch, 1), ready for <c>gather(1, actions)</c>.</summary>
    public Tensor Actions { get; }
    /// <summary>Rewards, one per transition: the discounted sum r_0 + gamma r_1 + ... of its k steps.</summary>
    public Tensor Rewards { get; }

    /// <summary>1 where the episode terminated (not truncated) within the transition's steps, else 0.</summary>
    public Tensor Dones { get; }

    /// <summary>gamma^k, the discount of the bootstrap value for a transition of k steps (gamma itself for one-step returns).</summary>
    public Tensor Discounts { get; }

    /// <summary>Importance-sampling weights of prioritized replay, normalised so the batch's largest is 1 (all 1 otherwise).</summary>
    public Tensor Weights { get; }

    /// <summary>Whether this batch is drawn by priority (weights apply and the update writes <see cref="TdErrors"/>).</summary>
    public bool Prioritized { get; }

    /// <summary>The replay slot each row was drawn from (prioritized replay only).</summary>
    public int[] Slots { get; }

    /// <summary>|TD error| of each row after the update, written by a prioritized update, read back as new priorities.</summary>
    public float[] TdErrors { get; }

    /// <summary>Transitions in the batch.</summary>
    public int Size => (int)Rewards.shape[0];

    /// <summary>The tensors' CPU memory as spans, for the replay buffer to copy the sampled transitions into.</summary>
    public ReplayBatch View => new(
        Observations.bytes, NextObservations.bytes,
        MemoryMarshal.Cast<byte, long>(Actions.bytes),
        MemoryMarshal.Cast<byte, float>(Rewards.bytes),
        MemoryMarshal.Cast<byte, float>(Dones.bytes),
        MemoryMarshal.Cast<byte, float>(Discounts.bytes),
        MemoryMarshal.Cast<byte, float>(Weights.bytes),
        Slots);

    /// <inheritdoc/>
    public void Dispose()
    {
        Observations.Dispose();
        NextObservations.Dispose();
        Actions.Dispose();
        Rewards.Dispose();
        Dones.Dispose();
        Discounts.Dispose();
        Weights.Dispose();
    }
}
