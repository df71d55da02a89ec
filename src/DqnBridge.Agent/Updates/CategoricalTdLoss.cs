using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>
/// C51's loss (Bellemare et al. 2017) as CleanRL's c51.py computes it: the target network's distribution at the next
/// state's greedy action (by expected value; Double DQN: the online network's), its atoms moved to
/// rewards + discount * z * (1 - dones) and projected back onto the support (<see cref="Project"/>), and the
/// cross-entropy of the online network's distribution at the taken action against it, its probabilities clamped to
/// [1e-5, 1 - 1e-5] before the logarithm as c51.py does. The per-sample cross-entropy is kept before the mean.
/// </summary>
public sealed class CategoricalTdLoss : ITdLoss
{
    // Held for the loss's life: no number is converted to a Scalar implicitly here (see ImplicitScalarGuard).
    private readonly Scalar _minProbability = 1e-5.ToScalar();
    private readonly Scalar _maxProbability = (1 - 1e-5).ToScalar();
    private readonly bool _doubleDqn;

    /// <summary>The C51 loss; with <paramref name="doubleDqn"/> the online network picks the next action.</summary>
    public CategoricalTdLoss(bool doubleDqn)
    {
        _doubleDqn = doubleDqn;
    }

    /// <inheritdoc/>
    public TdLoss Compute(QNetwork qNetwork, QNetwork targetNetwork, TdBatch batch, bool perSample)
    {
        var support = targetNetwork.Support ?? throw new ArgumentException("the C51 loss needs networks with a distributional head", nameof(targetNetwork));
        var atoms = support.On(batch.Rewards.device);
        long size = batch.Rewards.shape[0];
        long atomCount = support.Count;
        Tensor targetPmfs;
        using (no_grad())
        {
            var nextPmfs = targetNetwork.Logits(batch.NextObservations).softmax(2);
            var nextActions = _doubleDqn
                ? qNetwork.forward(batch.NextObservations).argmax(1)
                : (nextPmfs * atoms).sum(2).argmax(1);
            var nextPmf = Gather(nextPmfs, nextActions.view(size, 1), atomCount);
            targetPmfs = Project(support, batch.Rewards, batch.Discounts, batch.Dones, nextPmf);
        }
        var oldPmfs = Gather(qNetwork.Logits(batch.Observations).softmax(2), batch.Actions, atomCount);
        var crossEntropy = -(targetPmfs * oldPmfs.clamp(_minProbability, _maxProbability).log()).sum(1);
        var oldValues = (oldPmfs * atoms).sum(1);
        return new TdLoss(crossEntropy.mean(), oldValues, crossEntropy, perSample ? crossEntropy.detach() : null);
    }

    // pmfs (batch, actions, atoms) at actions (batch, 1): (batch, atoms).
    private static Tensor Gather(Tensor pmfs, Tensor actions, long atomCount) =>
        pmfs.gather(1, actions.unsqueeze(2).expand(actions.shape[0], 1, atomCount)).squeeze(1);

    /// <summary>
    /// The categorical projection: each atom z_j of <paramref name="nextPmf"/> (batch, atoms) moves to
    /// Tz_j = r + discount * z_j * (1 - done), clamped to [v_min, v_max]; at b = (Tz_j - v_min) / delta_z its probability
    /// splits between the neighbouring atoms l = floor(b) and u = ceil(b) in proportion (u - b, b - l), and all of it goes
    /// to l when b is an integer (l == u). Returns the projected distribution (batch, atoms).
    /// </summary>
    public static Tensor Project(CategoricalSupport support, Tensor rewards, Tensor discounts, Tensor dones, Tensor nextPmf)
    {
        using var scope = NewDisposeScope();
        using var one = 1.0.ToScalar();
        using var zero = 0.0.ToScalar();
        using var lastIndex = (support.Count - 1.0).ToScalar();
        using var vMin = support.VMin.ToScalar();
        using var vMax = support.VMax.ToScalar();
        var atoms = support.On(rewards.device);
        long size = rewards.shape[0];
        long atomCount = support.Count;
        // rewards + discount * atoms * (1 - dones), in c51.py's order: (batch, 1) + (batch, 1) * (atoms) * (batch, 1).
        var nextAtoms = rewards.unsqueeze(1).Plus(discounts.unsqueeze(1) * atoms * dones.OneMinus().unsqueeze(1));
        var tz = nextAtoms.clamp(vMin, vMax);
        var deltaZ = atoms[1] - atoms[0];
        var b = (tz - vMin) / deltaZ;
        var l = b.floor().clamp(zero, lastIndex);
        var u = b.ceil().clamp(zero, lastIndex);
        var lowerMass = (u.Plus((l == u).to_type(ScalarType.Float32)) - b) * nextPmf;
        var upperMass = (b - l) * nextPmf;
        // One index_add_ over the flattened batch: row i's atoms are at i * atoms + index.
        using var rowCount = size.ToScalar();
        using var rowLength = atomCount.ToScalar();
        var rowOffsets = (arange(rowCount, ScalarType.Int64, rewards.device) * rowLength).unsqueeze(1);
        var target = zeros(size * atomCount, ScalarType.Float32, rewards.device);
        target.index_add_(0, l.to_type(ScalarType.Int64).Plus(rowOffsets).view(-1), lowerMass.view(-1), one);
        target.index_add_(0, u.to_type(ScalarType.Int64).Plus(rowOffsets).view(-1), upperMass.view(-1), one);
        return target.view(size, atomCount).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _minProbability.Dispose();
        _maxProbability.Dispose();
    }
}
