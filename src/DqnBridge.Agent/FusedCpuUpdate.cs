using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>
/// The CPU fast path of the DQN update: the same update as <see cref="ReferenceUpdate"/>, with the small
/// steps that dominate a small network's update done in managed code over the tensors' memory. The TD
/// target's max and sums, the loss and its gradient with respect to Q(s, .) (what gather + mse_loss would
/// give autograd) are computed by hand; an MLP's forward and backward pass run written out
/// (<see cref="MlpBackprop"/>, bit-identical to autograd), the CNN's backward through autograd;
/// Adam/AdamW/RMSprop and the target update run over one flat parameter tensor (<see cref="QNetwork.Flatten"/>,
/// <see cref="FlatOptimizer"/>). This is why a CartPole-sized network trains several times faster than through
/// autograd and torch.optim. CPU tensors only (it reads their memory), any network kind.
/// </summary>
public sealed class FusedCpuUpdate : IDqnUpdate
{
    private readonly QNetwork _qNetwork;
    private readonly QNetwork _targetNetwork;
    private readonly Tensor _qValues;
    private readonly Tensor _targetValues;
    private readonly FlatOptimizer _optimizer;
    private readonly float _gamma;
    private readonly LossKind _loss;
    private readonly bool _doubleDqn;
    private readonly double _maxGradNorm;
    private readonly double _clipGradValue;

    // Scratch tensors, reused every step: gamma * (1 - done), the TD target and dLoss/dQ(s, .).
    private readonly Tensor _discounts;
    private readonly Tensor _tdTarget;
    private readonly Tensor _lossGradient;

    // The written-out forward and backward pass for MLPs (null for the CNN, which goes through autograd).
    private readonly MlpBackprop? _mlp;

    /// <summary>The written-out MLP pass, when this update uses one.</summary>
    internal MlpBackprop? WrittenOutMlpPass => _mlp;
    private readonly List<Tensor> _layerInputs = [];

    public FusedCpuUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork)
        : this(config, qNetwork, targetNetwork, writtenOutMlpPass: true)
    {
    }

    /// <param name="writtenOutMlpPass">false runs an MLP's backward pass through autograd too (the test that holds the two equal).</param>
    internal FusedCpuUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, bool writtenOutMlpPass)
    {
        _qNetwork = qNetwork;
        _targetNetwork = targetNetwork;
        (_qValues, var qGradients) = qNetwork.Flatten();
        (_targetValues, _) = targetNetwork.Flatten();
        _optimizer = new FlatOptimizer(config.Optimizer, config.LearningRate, _qValues, qGradients);
        _gamma = (float)config.Gamma;
        _loss = config.Loss;
        _doubleDqn = config.DoubleDqn;
        _maxGradNorm = config.MaxGradNorm;
        _clipGradValue = config.ClipGradValue;
        _discounts = zeros(config.BatchSize);
        _tdTarget = zeros(config.BatchSize);
        _lossGradient = zeros([config.BatchSize, qNetwork.ActionCount]);
        _mlp = qNetwork.Kind == NetworkKind.Mlp && writtenOutMlpPass ? new MlpBackprop(qNetwork) : null;
    }

    public UpdatePath Path => UpdatePath.Fused;

    public UpdateStatistics Step(DqnBatch batch, bool withStatistics)
    {
        // gamma * (1 - done), so the target is one multiply-add per row.
        var dones = MemoryMarshal.Cast<byte, float>(batch.Dones.bytes);
        var discounts = MemoryMarshal.Cast<byte, float>(_discounts.bytes);
        for (int i = 0; i < discounts.Length; i++)
        {
            discounts[i] = _gamma * (1f - dones[i]);
        }

        using var scope = NewDisposeScope();
        TdTarget(_qNetwork, _targetNetwork, batch.NextObservations, batch.Rewards, _discounts, _doubleDqn, _tdTarget);
        var qValues = _mlp is null ? _qNetwork.forward(batch.Observations) : _mlp.Forward(batch.Observations, _layerInputs);
        float loss = LossGradient(
            MemoryMarshal.Cast<byte, float>(qValues.bytes), MemoryMarshal.Cast<byte, float>(_tdTarget.bytes),
            MemoryMarshal.Cast<byte, long>(batch.Actions.bytes), _loss, MemoryMarshal.Cast<byte, float>(_lossGradient.bytes));

        if (_mlp is null)
        {
            _optimizer.ZeroGrad();
            qValues.backward([_lossGradient]);
        }
        else
        {
            _mlp.Backward(_layerInputs, _lossGradient); // overwrites every gradient
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
        _optimizer.Step();

        return withStatistics ? new UpdateStatistics(loss, qValues.gather(1, batch.Actions).mean().item<float>()) : UpdateStatistics.None;
    }

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
            using var weight = tensor(tau);
            _targetValues.lerp_(_qValues, weight);
        }
    }

    public void SaveOptimizer(BinaryWriter writer) => _optimizer.Save(writer);

    public void LoadOptimizer(BinaryReader reader) => _optimizer.Load(reader);

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
                if (chooser[row + a] > chooser[row + best])
                {
                    best = a;
                }
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

    public void Dispose()
    {
        _optimizer.Dispose();
        _mlp?.Dispose();
        _discounts.Dispose();
        _tdTarget.Dispose();
        _lossGradient.Dispose();
    }
}
