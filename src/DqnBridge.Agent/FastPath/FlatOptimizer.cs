using System.Numerics;
using System.Runtime.InteropServices;
using DqnBridge.Agent.Updates;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// Adam, AdamW (weight decay 0.01) and RMSprop (alpha 0.99) with PyTorch's default constants and
/// update formulas, run on one flat parameter tensor and its flat gradient in a single managed
/// pass, whatever the number of layers: the fused CPU update's optimizer, CPU only. Held within float
/// rounding of torch.optim by FlatOptimizerTests.StepsLikeTorchOptim (the first moment is updated as
/// m += (g - m)(1 - beta1), where libtorch computes beta1 m + (1 - beta1) g).
/// </summary>
internal sealed class FlatOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double AdamWWeightDecay = OptimizerDefaults.AdamWWeightDecay;
    private const double RmsAlpha = OptimizerDefaults.RmsAlpha;
    private const double RmsEpsilon = OptimizerDefaults.RmsEpsilon;

    private readonly OptimizerKind _kind;
    private readonly double _learningRate;
    private readonly double _adamEpsilon;
    private readonly Tensor _parameters;
    private readonly Tensor _gradients;
    private readonly Tensor _firstMoment;
    private readonly Tensor _secondMoment;
    private long _step;

    public FlatOptimizer(OptimizerKind kind, double learningRate, Tensor parameters, Tensor gradients, double adamEpsilon = Training.DqnConfig.DefaultAdamEpsilon)
    {
        _adamEpsilon = adamEpsilon;
        _kind = kind;
        _learningRate = learningRate;
        _parameters = parameters;
        _gradients = gradients;
        _firstMoment = zeros_like(parameters);
        _secondMoment = zeros_like(parameters);
        if (parameters.device_type != DeviceType.CPU || parameters.dtype != ScalarType.Float32 || !parameters.is_contiguous())
        {
            throw new ArgumentException("The flat optimizer works on contiguous float32 CPU tensors.", nameof(parameters));
        }
    }

    public long Steps => _step;

    /// <summary>Adam's first moment (RMSprop's is unused), one element per parameter; for tests.</summary>
    internal float[] FirstMoment() => Floats(_firstMoment).ToArray();

    /// <summary>Zeroes the gradient in place (the layers' gradients are views of it and must stay so).</summary>
    public void ZeroGrad() => _gradients.bytes.Clear();

    /// <summary>Clamps every gradient element to [-<paramref name="clipValue"/>, <paramref name="clipValue"/>], as clip_grad_value_ does.</summary>
    public void ClipGradValue(double clipValue)
    {
        var gradients = Floats(_gradients);
        float limit = (float)clipValue;
        for (int i = 0; i < gradients.Length; i++)
        {
            gradients[i] = Math.Clamp(gradients[i], -limit, limit);
        }
    }

    /// <summary>Scales the gradient so its global L2 norm is at most <paramref name="maxNorm"/>, as clip_grad_norm_ does.</summary>
    public void ClipGradNorm(double maxNorm)
    {
        var gradients = Floats(_gradients);
        double squares = 0;
        foreach (float g in gradients)
        {
            squares += (double)g * g;
        }
        float coefficient = (float)Math.Min(1.0, maxNorm / (Math.Sqrt(squares) + 1e-6));
        if (coefficient < 1f)
        {
            for (int i = 0; i < gradients.Length; i++)
            {
                gradients[i] *= coefficient;
            }
        }
    }

    /// <summary>
    /// One update, computed in managed code straight over the tensors' memory (CPU tensors): for
    /// a few thousand parameters one pass beats a chain of libtorch calls.
    /// </summary>
    public void Step()
    {
        _step++;
        var parameters = Floats(_parameters);
        var gradients = Floats(_gradients);
        var m = Floats(_firstMoment);
        var v = Floats(_secondMoment);
        float learningRate = (float)_learningRate;
        switch (_kind)
        {
            case OptimizerKind.Adam:
            case OptimizerKind.AdamW:
                {
                    float decay = _kind == OptimizerKind.AdamW ? (float)(1 - _learningRate * AdamWWeightDecay) : 1f;
                    float stepSize = (float)(_learningRate / (1 - Math.Pow(Beta1, _step)));
                    float correction2Sqrt = (float)Math.Sqrt(1 - Math.Pow(Beta2, _step));
                    const float b1 = (float)Beta1, b2 = (float)Beta2;
                    float eps = (float)_adamEpsilon;
                    // Vectors first, then the tail one by one: the same float operations in the same order either way
                    // (the JIT does not fuse multiply-adds), so the result does not depend on the vector width.
                    int i = 0;
                    if (Vector.IsHardwareAccelerated)
                    {
                        var pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                        var gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                        var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
                        var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
                        for (int k = 0; k < pv.Length; k++)
                        {
                            var g = gv[k];
                            mv[k] += (g - mv[k]) * (1 - b1);
                            vv[k] = vv[k] * b2 + (1 - b2) * g * g;
                            var denominator = Vector.SquareRoot(vv[k]) / correction2Sqrt + new Vector<float>(eps);
                            pv[k] = pv[k] * decay - stepSize * (mv[k] / denominator);
                        }
                        i = pv.Length * Vector<float>.Count;
                    }
                    for (; i < parameters.Length; i++)
                    {
                        float g = gradients[i];
                        m[i] += (g - m[i]) * (1 - b1);
                        v[i] = v[i] * b2 + (1 - b2) * g * g;
                        float denominator = MathF.Sqrt(v[i]) / correction2Sqrt + eps;
                        parameters[i] = parameters[i] * decay - stepSize * (m[i] / denominator);
                    }
                    break;
                }
            case OptimizerKind.RMSprop:
                {
                    const float alpha = (float)RmsAlpha, eps = (float)RmsEpsilon;
                    for (int i = 0; i < parameters.Length; i++)
                    {
                        float g = gradients[i];
                        v[i] = v[i] * alpha + (1 - alpha) * g * g;
                        parameters[i] -= learningRate * g / (MathF.Sqrt(v[i]) + eps);
                    }
                    break;
                }
        }
    }

    private static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

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
    }
}
