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
/// to the network's own layers and autograd), the plain Nature CNN's taken apart where libtorch is slow for it
/// (<see cref="SplitNatureCnn"/>: its head written out, its first convolution's weight gradient as a faster convolution,
/// the rest through autograd; equal to the network's within float rounding); Adam/AdamW/RMSprop and the
/// target update over one flat parameter tensor (<see cref="QNetwork.Flatten"/>, <see cref="FlatOptimizer"/>). This is
/// why a CartPole-sized network trains several times faster than through autograd and torch.optim. CPU tensors only
/// (it reads their memory), any network kind. With c51 (MLPs only), the projection and the cross-entropy's gradient
/// with respect to the logits are by hand too (<see cref="CategoricalKernels"/>).
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

    // The plain Nature CNN's passes (null for an MLP, and when space to depth is asked): the online network's with
    // gradients, and both networks' without (the target's values, Double DQN's choice of the next action).
    private readonly SplitNatureCnn? _qSplitCnn;
    private readonly NatureCnnInference? _targetInference;
    private readonly NatureCnnInference? _qInference;

    // The plain Nature CNN's two networks with their first convolution as space to depth, when asked (null otherwise).
    private readonly SpaceToDepthCnn? _qCnn;
    private readonly SpaceToDepthCnn? _targetCnn;

    // c51 (null without): the support's atoms, and scratch per step: pmfs of the next and the current observations,
    // the projected targets, each transition's expected value.
    private readonly float[]? _support;
    private readonly float[] _nextPmfs = [];
    private readonly float[] _onlineNextPmfs = [];
    private readonly float[] _pmfs = [];
    private readonly float[] _targets = [];
    private readonly float[] _oldValues = [];
    private readonly float[] _perSampleLoss = [];

    /// <summary>The fused update for the two networks, with the config's optimizer and loss.</summary>
    public FusedCpuUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork)
        : this(config, qNetwork, targetNetwork, writtenOutMlpPass: true)
    {
    }

    /// <param name="config">Optimizer, loss, gamma and gradient clipping.</param>
    /// <param name="qNetwork">The network trained.</param>
    /// <param name="targetNetwork">The network that gives the targets.</param>
    /// <param name="writtenOutMlpPass">false runs an MLP through its own layers and autograd too (the test that holds the two equal).</param>
    /// <param name="spaceToDepthCnn">
    /// true runs the plain Nature CNN's first convolution as space to depth (<see cref="SpaceToDepthCnn"/>): faster in
    /// oneDNN's own timing, not measurably faster as a whole step on a loaded machine (docs/results.md), and further from
    /// the reference path, so off by default; the benchmark times it.
    /// </param>
    internal FusedCpuUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, bool writtenOutMlpPass, bool spaceToDepthCnn = false)
    {
        _qNetwork = qNetwork;
        _targetNetwork = targetNetwork;
        (_qValues, var qGradients) = qNetwork.Flatten();
        (_targetValues, _) = targetNetwork.Flatten();
        _optimizer = new FlatOptimizer(config.Optimizer, config.LearningRate, _qValues, qGradients, config.AdamEpsilon);
        _loss = config.Loss;
        _doubleDqn = config.DoubleDqn;
        _maxGradNorm = config.MaxGradNorm;
        _clipGradValue = config.ClipGradValue;
        _discounts = zeros(config.BatchSize);
        _tdTarget = zeros(config.BatchSize);
        int atoms = qNetwork.Head.Atoms;
        _lossGradient = zeros([config.BatchSize, qNetwork.ActionCount * atoms]);
        if (qNetwork.Support is { } support)
        {
            if (qNetwork.Kind != NetworkKind.Mlp || !writtenOutMlpPass)
            {
                throw new ArgumentException("The fused update runs c51 for MLPs only, written out.", nameof(qNetwork));
            }
            using var atomValues = support.On(CPU).clone();
            _support = MemoryMarshal.Cast<byte, float>(atomValues.bytes).ToArray();
            int outputs = config.BatchSize * qNetwork.ActionCount * atoms;
            (_nextPmfs, _onlineNextPmfs, _pmfs) = (new float[outputs], new float[outputs], new float[outputs]);
            _targets = new float[config.BatchSize * atoms];
            _oldValues = new float[config.BatchSize];
            _perSampleLoss = new float[config.BatchSize];
        }
        if (qNetwork.Kind == NetworkKind.Mlp && writtenOutMlpPass)
        {
            _qMlp = new WrittenOutMlp(qNetwork, config.BatchSize);
            _targetMlp = new WrittenOutMlp(targetNetwork, config.BatchSize);
        }
        if (qNetwork.Kind == NetworkKind.NatureCnn && spaceToDepthCnn)
        {
            _qCnn = new SpaceToDepthCnn(qNetwork);
            _targetCnn = new SpaceToDepthCnn(targetNetwork);
        }
        else if (qNetwork.Kind == NetworkKind.NatureCnn)
        {
            _qSplitCnn = new SplitNatureCnn(qNetwork, config.BatchSize);
            _targetInference = new NatureCnnInference(targetNetwork, config.BatchSize);
            _qInference = config.DoubleDqn ? new NatureCnnInference(qNetwork, config.BatchSize) : null;
        }
    }

    /// <summary>Whether an MLP runs written out (false for the CNN, and when the test turns it off).</summary>
    internal bool UsesWrittenOutMlp => _qMlp is not null;

    /// <inheritdoc/>
    public UpdatePath Path => UpdatePath.Fused;

    /// <inheritdoc/>
    public UpdateStatistics ComputeGradients(DqnBatch batch, bool withStatistics)
    {
        if (_support is not null)
        {
            return CategoricalStep(batch, withStatistics);
        }
        TdKernels.Discounts(Floats(batch.Discounts), Floats(batch.Dones), Floats(_discounts));

        // Tensors made here belong to the scope; the written-out passes' results belong to them (held until their next Forward).
        // The CNN's split and inference passes read uint8 frames; a CNN over other element types goes through the network.
        bool frames = batch.Observations.dtype == ScalarType.Byte;
        var (split, targetInference, qInference) = frames ? (_qSplitCnn, _targetInference, _qInference) : (null, null, null);

        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var nextQ = targetInference?.Forward(batch.NextObservations) ?? Forward(_targetNetwork, _targetMlp, _targetCnn, batch.NextObservations);
            // Double DQN: the online network picks the next action, the target network values it.
            var onlineNextQ = _doubleDqn ? qInference?.Forward(batch.NextObservations) ?? Forward(_qNetwork, _qMlp, _qCnn, batch.NextObservations) : null;
            TdKernels.TdTarget(Floats(nextQ), Floats(onlineNextQ ?? nextQ), Floats(batch.Rewards), Floats(_discounts), Floats(_tdTarget));
        }
        var qValues = split?.Forward(batch.Observations) ?? Forward(_qNetwork, _qMlp, _qCnn, batch.Observations);
        // Prioritized replay: each row's loss weighted by its importance weight, and its |TD error| written back.
        float loss = TdKernels.LossGradient(
            Floats(qValues), Floats(_tdTarget), MemoryMarshal.Cast<byte, long>(batch.Actions.bytes), _loss, Floats(_lossGradient),
            batch.Prioritized ? Floats(batch.Weights) : default, batch.Prioritized ? batch.TdErrors : default);

        if (_qMlp is not null)
        {
            _qMlp.Backward(_lossGradient); // overwrites every gradient
        }
        else if (split is not null)
        {
            split.Backward(_lossGradient); // overwrites every gradient
        }
        else
        {
            _optimizer.ZeroGrad();
            qValues.backward([_lossGradient]);
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

    /// <summary>C51's step: targets projected from the target network's pmfs, the cross-entropy's gradient through the written-out MLP.</summary>
    private UpdateStatistics CategoricalStep(DqnBatch batch, bool withStatistics)
    {
        var support = _support!;
        int atoms = support.Length;
        int rowLength = _qNetwork.ActionCount * atoms;
        TdKernels.Discounts(Floats(batch.Discounts), Floats(batch.Dones), Floats(_discounts));
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var nextLogits = _targetMlp!.Forward(batch.NextObservations);
            CategoricalKernels.Softmax(Floats(nextLogits), atoms, _nextPmfs);
            if (_doubleDqn)
            {
                var onlineNextLogits = _qMlp!.Forward(batch.NextObservations);
                CategoricalKernels.Softmax(Floats(onlineNextLogits), atoms, _onlineNextPmfs);
            }
        }
        var rewards = Floats(batch.Rewards);
        var discounts = Floats(_discounts);
        for (int s = 0; s < rewards.Length; s++)
        {
            var chooser = (_doubleDqn ? _onlineNextPmfs : _nextPmfs).AsSpan(s * rowLength, rowLength);
            int next = CategoricalKernels.GreedyAction(chooser, support);
            CategoricalKernels.Project(rewards[s], discounts[s], _nextPmfs.AsSpan(s * rowLength + next * atoms, atoms), support, _targets.AsSpan(s * atoms, atoms));
        }
        var logits = _qMlp!.Forward(batch.Observations);
        CategoricalKernels.SoftmaxAtActions(Floats(logits), MemoryMarshal.Cast<byte, long>(batch.Actions.bytes), atoms, _pmfs);
        float loss = CategoricalKernels.LossGradient(_pmfs, MemoryMarshal.Cast<byte, long>(batch.Actions.bytes), _targets, support, Floats(_lossGradient), _perSampleLoss, _oldValues);
        if (batch.Prioritized)
        {
            // Prioritized replay: each row's cross-entropy (and its gradient) weighted by its importance weight, and the
            // cross-entropy written back as the row's priority error (Rainbow's choice for C51).
            loss = CategoricalKernels.Weight(Floats(batch.Weights), _perSampleLoss, Floats(_lossGradient), rowLength);
            _perSampleLoss.CopyTo(batch.TdErrors, 0);
        }
        _qMlp.Backward(_lossGradient); // overwrites every gradient
        if (_clipGradValue > 0)
        {
            _optimizer.ClipGradValue(_clipGradValue);
        }
        if (_maxGradNorm > 0)
        {
            _optimizer.ClipGradNorm(_maxGradNorm);
        }
        return withStatistics ? new UpdateStatistics(loss, _oldValues.Average()) : UpdateStatistics.None;
    }

    /// <inheritdoc/>
    public void ApplyGradients() => _optimizer.Step();

    /// <summary>Q(s, .) of <paramref name="network"/>: written out for an MLP (the pass owns the result), space to depth for the plain Nature CNN when asked, through its layers otherwise (the caller's dispose scope owns those).</summary>
    private static Tensor Forward(QNetwork network, WrittenOutMlp? writtenOut, SpaceToDepthCnn? cnn, Tensor observations) =>
        writtenOut?.Forward(observations) ?? cnn?.Forward(observations) ?? network.forward(observations);

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
        _qSplitCnn?.Dispose();
        _targetInference?.Dispose();
        _qInference?.Dispose();
        _discounts.Dispose();
        _tdTarget.Dispose();
        _lossGradient.Dispose();
    }
}
