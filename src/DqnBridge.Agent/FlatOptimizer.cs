using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>
/// Adam, AdamW (weight decay 0.01) and RMSprop (alpha 0.99) with PyTorch's default constants and
/// update formulas, run on one flat parameter tensor and its flat gradient, so an update is a
/// handful of libtorch calls whatever the number of layers.
/// </summary>
public sealed class FlatOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double AdamEpsilon = 1e-8;
    private const double AdamWWeightDecay = 0.01;
    private const double RmsAlpha = 0.99;
    private const double RmsEpsilon = 1e-8;

    private readonly OptimizerKind _kind;
    private readonly double _learningRate;
    private readonly Tensor _parameters;
    private readonly Tensor _gradients;
    private readonly Tensor _firstMoment;
    private readonly Tensor _secondMoment;
    private readonly Tensor _scratch;
    private readonly Tensor _oneMinusBeta1 = tensor(1 - Beta1);
    private long _step;

    public FlatOptimizer(OptimizerKind kind, double learningRate, Tensor parameters, Tensor gradients)
    {
        _kind = kind;
        _learningRate = learningRate;
        _parameters = parameters;
        _gradients = gradients;
        _firstMoment = zeros_like(parameters);
        _secondMoment = zeros_like(parameters);
        _scratch = zeros_like(parameters);
    }

    public long Steps => _step;

    /// <summary>Zeroes the gradient in place (the layers' gradients are views of it and must stay so).</summary>
    public void ZeroGrad() => _gradients.zero_();

    /// <summary>Scales the gradient so its global L2 norm is at most <paramref name="maxNorm"/>, as clip_grad_norm_ does.</summary>
    public void ClipGradNorm(double maxNorm)
    {
        using var norm = _gradients.norm();
        using var coefficient = norm.add_(1e-6).reciprocal_().mul_(maxNorm).clamp_max_(1.0);
        _gradients.mul_(coefficient);
    }

    public void Step()
    {
        _step++;
        using var noGrad = no_grad();
        switch (_kind)
        {
            case OptimizerKind.Adam:
            case OptimizerKind.AdamW:
                if (_kind == OptimizerKind.AdamW)
                {
                    _parameters.mul_(1 - _learningRate * AdamWWeightDecay);
                }
                double correction1 = 1 - Math.Pow(Beta1, _step);
                double correction2 = 1 - Math.Pow(Beta2, _step);
                _firstMoment.lerp_(_gradients, _oneMinusBeta1);
                _secondMoment.mul_(Beta2).addcmul_(_gradients, _gradients, value: 1 - Beta2);
                // denominator = sqrt(v) / sqrt(correction2) + eps; p -= lr / correction1 * m / denominator
                _scratch.copy_(_secondMoment).sqrt_().div_(Math.Sqrt(correction2)).add_(AdamEpsilon);
                _parameters.addcdiv_(_firstMoment, _scratch, value: -_learningRate / correction1);
                break;
            case OptimizerKind.RMSprop:
                _secondMoment.mul_(RmsAlpha).addcmul_(_gradients, _gradients, value: 1 - RmsAlpha);
                _scratch.copy_(_secondMoment).sqrt_().add_(RmsEpsilon);
                _parameters.addcdiv_(_gradients, _scratch, value: -_learningRate);
                break;
        }
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write((int)_kind);
        writer.Write(_step);
        writer.Write(_firstMoment.NumberOfElements);
        writer.Write(_firstMoment.bytes);
        writer.Write(_secondMoment.bytes);
    }

    public void Load(BinaryReader reader)
    {
        var kind = (OptimizerKind)reader.ReadInt32();
        long step = reader.ReadInt64();
        long count = reader.ReadInt64();
        if (kind != _kind || count != _firstMoment.NumberOfElements || step < 0)
        {
            throw new InvalidDataException(
                $"Optimizer state is for {kind} over {count} parameters; this run uses {_kind} over {_firstMoment.NumberOfElements}.");
        }
        reader.BaseStream.ReadExactly(_firstMoment.bytes);
        reader.BaseStream.ReadExactly(_secondMoment.bytes);
        _step = step;
    }

    public void Dispose()
    {
        _firstMoment.Dispose();
        _secondMoment.Dispose();
        _scratch.Dispose();
        _oneMinusBeta1.Dispose();
    }
}
