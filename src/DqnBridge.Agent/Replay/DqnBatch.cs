using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// One minibatch as CleanRL's replay buffer samples it: observations, actions, next_observations, dones
/// and rewards, in preallocated CPU tensors that the replay buffer writes straight into (<see cref="View"/>).
/// An update on another device copies them there.
/// </summary>
public sealed class DqnBatch : IDisposable
{
    /// <summary>Allocates tensors for <paramref name="batchSize"/> transitions of the given observation shape and type.</summary>
    public DqnBatch(int batchSize, IReadOnlyList<long> observationShape, ScalarType observationType)
    {
        long[] shape = [batchSize, .. observationShape];
        Observations = zeros(shape, observationType);
        NextObservations = zeros(shape, observationType);
        Actions = zeros([batchSize, 1], ScalarType.Int64);
        Rewards = zeros(batchSize);
        Dones = zeros(batchSize);
    }

    /// <summary>Observations, one row per transition.</summary>
    public Tensor Observations { get; }
    /// <summary>Next observations, one row per transition.</summary>
    public Tensor NextObservations { get; }

    /// <summary>The actions taken, shape (batch, 1), ready for <c>gather(1, actions)</c>.</summary>
    public Tensor Actions { get; }
    /// <summary>Rewards, one per transition.</summary>
    public Tensor Rewards { get; }

    /// <summary>1 where the episode terminated (not truncated) after the transition, else 0.</summary>
    public Tensor Dones { get; }

    /// <summary>Transitions in the batch.</summary>
    public int Size => (int)Rewards.shape[0];

    /// <summary>The tensors' CPU memory as spans, for the replay buffer to copy the sampled transitions into.</summary>
    public ReplayBatch View => new(
        Observations.bytes, NextObservations.bytes,
        MemoryMarshal.Cast<byte, long>(Actions.bytes),
        MemoryMarshal.Cast<byte, float>(Rewards.bytes),
        MemoryMarshal.Cast<byte, float>(Dones.bytes));

    /// <inheritdoc/>
    public void Dispose()
    {
        Observations.Dispose();
        NextObservations.Dispose();
        Actions.Dispose();
        Rewards.Dispose();
        Dones.Dispose();
    }
}
