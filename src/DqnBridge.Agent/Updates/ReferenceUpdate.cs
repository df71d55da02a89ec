using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>
/// The DQN update as CleanRL's dqn.py writes it, in TorchSharp ops on any device: the loss
/// (<see cref="DqnTdLoss"/>: td_target = rewards + gamma * max_a target_network(next_obs) * (1 - dones), old_val =
/// q_network(obs) gathered at the taken actions, loss = mse_loss(td_target, old_val); or C51's
/// <see cref="CategoricalTdLoss"/>), then zero_grad, backward, optional gradient clipping and a torch.optim step.
/// gamma is the batch's per-transition discount (gamma^k for n-step returns of k steps; gamma itself for one step);
/// with prioritized replay each transition's loss is weighted by its importance weight before the mean, and its
/// error (|td_target - old_val|, or C51's cross-entropy) goes back as its new priority. With noisy nets, each
/// network's noise is drawn afresh for the update. This is the update to read;
/// <see cref="FusedCpuUpdate"/> computes the same on the CPU, faster.
/// </summary>
public sealed class ReferenceUpdate : IDqnUpdate
{
    // Written first in the optimizer file, so a checkpoint of the other path is recognised.
    internal const int OptimizerFileTag = 0x52454631; // "REF1"

    private readonly QNetwork _qNetwork;
    private readonly QNetwork _targetNetwork;
    private readonly Device _device;
    private readonly Parameter[] _parameters;
    private readonly OptimizerHelper _optimizer;
    // Explicit Scalars held for the update's life: no double is converted implicitly here (see ImplicitScalarGuard).
    private readonly ITdLoss _tdLoss;
    private readonly FactorisedNoise? _noise;
    private readonly double _maxGradNorm;
    private readonly double _clipGradValue;

    /// <summary>
    /// The TorchSharp autograd update for the two networks on <paramref name="device"/>; <paramref name="noise"/> draws
    /// the noisy layers' noise (required with noisy nets).
    /// </summary>
    public ReferenceUpdate(DqnConfig config, QNetwork qNetwork, QNetwork targetNetwork, Device device, FactorisedNoise? noise = null)
    {
        if (config.Noisy && noise is null)
        {
            throw new ArgumentNullException(nameof(noise), "noisy nets need the noise generator");
        }
        _qNetwork = qNetwork;
        _targetNetwork = targetNetwork;
        _device = device;
        _parameters = qNetwork.parameters().ToArray();
        _optimizer = config.Optimizer switch
        {
            OptimizerKind.Adam => new HeldScalarAdam(_parameters, config.LearningRate, config.AdamEpsilon),
            OptimizerKind.AdamW => optim.AdamW(_parameters, config.LearningRate, eps: config.AdamEpsilon, weight_decay: OptimizerDefaults.AdamWWeightDecay),
            OptimizerKind.RMSprop => optim.RMSProp(_parameters, config.LearningRate, alpha: OptimizerDefaults.RmsAlpha, eps: OptimizerDefaults.RmsEpsilon),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Optimizer, "unknown optimizer"),
        };
        _tdLoss = config.Distributional == Distributional.C51
            ? new CategoricalTdLoss(config.DoubleDqn)
            : new DqnTdLoss(config.Loss, config.DoubleDqn);
        _noise = config.Noisy ? noise : null;
        _maxGradNorm = config.MaxGradNorm;
        _clipGradValue = config.ClipGradValue;
    }

    /// <inheritdoc/>
    public UpdatePath Path => UpdatePath.Reference;

    /// <inheritdoc/>
    public UpdateStatistics ComputeGradients(DqnBatch batch, bool withStatistics)
    {
        using var scope = NewDisposeScope();
        var tdBatch = new TdBatch(batch.Observations.to(_device), batch.Actions.to(_device), batch.Rewards.to(_device),
            batch.NextObservations.to(_device), batch.Dones.to(_device), batch.Discounts.to(_device));
        if (_noise is not null)
        {
            _noise.Resample(_qNetwork);
            _noise.Resample(_targetNetwork);
        }
        var td = _tdLoss.Compute(_qNetwork, _targetNetwork, tdBatch, perSample: batch.Prioritized);
        var oldVal = td.OldValues;
        var loss = batch.Prioritized ? WeightedLoss(batch, td) : td.Loss;

        _optimizer.zero_grad();
        loss.backward();
        // TorchSharp's gradient clipping makes Scalars from doubles implicitly: see ImplicitScalarGuard.
        using (_clipGradValue > 0 || _maxGradNorm > 0 ? ImplicitScalarGuard.Enter() : default)
        {
            if (_clipGradValue > 0)
            {
                nn.utils.clip_grad_value_(_parameters, _clipGradValue);
            }
            if (_maxGradNorm > 0)
            {
                nn.utils.clip_grad_norm_(_parameters, _maxGradNorm);
            }
        }

        return withStatistics ? new UpdateStatistics(loss.item<float>(), oldVal.mean().item<float>()) : UpdateStatistics.None;
    }

    /// <summary>Prioritized replay: the mean of weight * loss per transition; writes each transition's error into the batch's TD errors.</summary>
    private Tensor WeightedLoss(DqnBatch batch, TdLoss td)
    {
        using (no_grad())
        {
            using var errors = td.Errors!.cpu();
            MemoryMarshal.Cast<byte, float>(errors.bytes).CopyTo(batch.TdErrors);
        }
        return (batch.Weights.to(_device) * td.PerSample!).mean();
    }

    /// <inheritdoc/>
    public void ApplyGradients()
    {
        if (_optimizer is HeldScalarAdam)
        {
            _optimizer.step();
            return;
        }
        // torch.optim's AdamW and RMSprop make Scalars from doubles implicitly, inside TorchSharp: see ImplicitScalarGuard.
        using (ImplicitScalarGuard.Enter())
        {
            _optimizer.step();
        }
    }

    /// <inheritdoc/>
    public void UpdateTarget(double tau)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (tau >= 1.0)
        {
            foreach (var (targetParameter, qParameter) in _targetNetwork.parameters().Zip(_qNetwork.parameters()))
            {
                targetParameter.copy_(qParameter);
            }
            return;
        }
        // target = tau * q + (1 - tau) * target, with Scalars made and disposed here rather than converted implicitly.
        using var qWeight = tau.ToScalar();
        using var targetWeight = (1.0 - tau).ToScalar();
        foreach (var (targetParameter, qParameter) in _targetNetwork.parameters().Zip(_qNetwork.parameters()))
        {
            targetParameter.copy_((qWeight * qParameter).Plus(targetWeight * targetParameter));
        }
    }

    /// <inheritdoc/>
    public void SaveOptimizer(BinaryWriter writer)
    {
        writer.Write(OptimizerFileTag);
        _optimizer.save_state_dict(writer);
    }

    /// <inheritdoc/>
    public void LoadOptimizer(BinaryReader reader)
    {
        if (reader.ReadInt32() != OptimizerFileTag)
        {
            throw new InvalidDataException("the optimizer state was written by the fused update path; resume with update_path=fused (on the CPU).");
        }
        _optimizer.load_state_dict(reader);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        _tdLoss.Dispose();
    }
}
