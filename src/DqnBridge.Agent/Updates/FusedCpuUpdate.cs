using System.Runtime.InteropServices;
using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>
/// The CPU fast path of the DQN update: the same update as <see cref="ReferenceUpdate"/>, made of the hand-written
/// kernels in FastPath/: the TD target, the loss and its gradient with respect to Q(s, .) by hand
/// (<see cref="TdKernels"/>); an MLP's forward and backward pass written out (<see cref="WrittenOutMlp"/>, bit-identical
/// to the network's own layers and autograd), the CNN's through the network and autograd; Adam/AdamW/RMSprop and the
/// target update over one flat parameter tensor (<see cref="QNetwork.Flatten"/>, <see cref="FlatOptimizer"/>). This is
/// why a CartPole-sized network trains several times faster than through autograd and torch.optim. CPU tensors only
/// (it reads their memory), any network kind.
/// </summary>
public sealed class FusedCpuUpdate : IDqnUpdate
{
    private readonly QNetwork _qNetwork;
    private readonly QNetwork _targetNetwork;
    private readonly Tensor _qValues;
    private readonly Tensor _targetValues;
    private readonly FlatOptimizer _optimizer;
    private readonly LossKind _loss;
    private readonly bool _doubleDqn;
    private readonly double _maxGradNorm;
    private readonly double _clipGradValue;

    // Scratch tensors, reused every step: gamma^k * (1 - done), the TD target and dLoss/dQ(s, .).
    private readonly Tensor _discounts;
    private readonly Tensor _tdTarget;
    private readonly Tensor _lossGradient;

    // The written-out passes of an MLP's two networks (null for the CNN, which goes through its layers and autograd).
    private readonly WrittenOutMlp? _qMlp;
    private readonly WrittenOutMlp? _targetMlp;
    private readonly List<Tensor> _layerInputs = [];

    /// <summary>The fused update for the two networks, with the config's optimizer and loss.</summary>
    public FusedCpuUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork)
        : this(config, qNetwork, targetNetwork, writtenOutMlpPass: true)
    {
    }

    /// <param name="config">Optimizer, loss, gamma and gradient clipping.</param>
    /// <param name="qNetwork">The network trained.</param>
    /// <param name="targetNetwork">The network that gives the targets.</param>
    /// <param name="writtenOutMlpPass">false runs an MLP through its own layers and autograd too (the test that holds the two equal).</param>
    internal FusedCpuUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, bool writtenOutMlpPass)
    {
        _qNetwork = qNetwork;
        _targetNetwork = targetNetwork;
        (_qValues, var qGradients) = qNetwork.Flatten();
        (_targetValues, _) = targetNetwork.Flatten();
        _optimizer = new FlatOptimizer(config.Optimizer, config.LearningRate, _qValues, qGradients);
        _loss = config.Loss;
        _doubleDqn = config.DoubleDqn;
        _maxGradNorm = config.MaxGradNorm;
        _clipGradValue = config.ClipGradValue;
        _discounts = zeros(config.BatchSize);
        _tdTarget = zeros(config.BatchSize);
        _lossGradient = zeros([config.BatchSize, qNetwork.ActionCount]);
        if (qNetwork.Kind == NetworkKind.Mlp && writtenOutMlpPass)
        {
            _qMlp = new WrittenOutMlp(qNetwork);
            _targetMlp = new WrittenOutMlp(targetNetwork);
        }
    }

    /// <summary>Whether an MLP runs written out (false for the CNN, and when the test turns it off).</summary>
    internal bool UsesWrittenOutMlp => _qMlp is not null;

    /// <inheritdoc/>
    public UpdatePath Path => UpdatePath.Fused;

    /// <inheritdoc/>
    public UpdateStatistics ComputeGradients(DqnBatch batch, bool withStatistics)
    {
        TdKernels.Discounts(Floats(batch.Discounts), Floats(batch.Dones), Floats(_discounts));

        using var scope = NewDisposeScope();
        using (no_grad())
        {
            using var nextQ = Forward(_targetNetwork, _targetMlp, batch.NextObservations);
            // Double DQN: the online network picks the next action, the target network values it.
            using var onlineNextQ = _doubleDqn ? Forward(_qNetwork, _qMlp, batch.NextObservations) : null;
            TdKernels.TdTarget(Floats(nextQ), Floats(onlineNextQ ?? nextQ), Floats(batch.Rewards), Floats(_discounts), Floats(_tdTarget));
        }
        var qValues = _qMlp is null ? _qNetwork.forward(batch.Observations) : _qMlp.Forward(batch.Observations, _layerInputs);
        // Prioritized replay: each row's loss weighted by its importance weight, and its |TD error| written back.
        float loss = TdKernels.LossGradient(
            Floats(qValues), Floats(_tdTarget), MemoryMarshal.Cast<byte, long>(batch.Actions.bytes), _loss, Floats(_lossGradient),
            batch.Prioritized ? Floats(batch.Weights) : default, batch.Prioritized ? batch.TdErrors : default);

        if (_qMlp is null)
        {
            _optimizer.ZeroGrad();
            qValues.backward([_lossGradient]);
        }
        else
        {
            _qMlp.Backward(_layerInputs, _lossGradient); // overwrites every gradient
            _layerInputs.Clear(); // they belong to this step's dispose scope
        }
        if (_clipGradValue > 0)
        {
            _optimizer.ClipGradValue(_clipGradValue);
        }
        if (_maxGradNorm > 0)
        {
            _optimizer.ClipGradNorm(_maxGradNorm);
        }

        return withStatistics ? new UpdateStatistics(loss, qValues.gather(1, batch.Actions).mean().item<float>()) : UpdateStatistics.None;
    }

    /// <inheritdoc/>
    public void ApplyGradients() => _optimizer.Step();

    /// <summary>Q(s, .) of <paramref name="network"/>: written out for an MLP, through its layers otherwise.</summary>
    private static Tensor Forward(QNetwork network, WrittenOutMlp? writtenOut, Tensor observations) =>
        writtenOut is null ? network.forward(observations) : writtenOut.Forward(observations);

    /// <summary>Hard copy when tau = 1, otherwise Polyak averaging: target = target + tau * (q - target), on the flat parameter tensors.</summary>
    public void UpdateTarget(double tau)
    {
        using var noGrad = no_grad();
        if (tau >= 1.0)
        {
            _targetValues.copy_(_qValues);
        }
        else
        {
            using var weight = tensor(tau); // a tensor, not a Scalar: nothing is converted implicitly
            _targetValues.lerp_(_qValues, weight);
        }
    }

    /// <inheritdoc/>
    public void SaveOptimizer(BinaryWriter writer) => _optimizer.Save(writer);

    /// <inheritdoc/>
    public void LoadOptimizer(BinaryReader reader) => _optimizer.Load(reader);

    private static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        _qMlp?.Dispose();
        _targetMlp?.Dispose();
        _discounts.Dispose();
        _tdTarget.Dispose();
        _lossGradient.Dispose();
    }
}
