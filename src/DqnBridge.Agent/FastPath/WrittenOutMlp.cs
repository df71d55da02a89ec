using System.Numerics;
using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// An MLP <see cref="QNetwork"/>'s forward and backward pass written out, for the fused CPU update: the libtorch
/// matrix products and sums that the network's own layers and autograd run for linear + ReLU layers, in the same
/// layouts, so Q-values and gradients equal theirs bit for bit, but without building a graph or accumulating into the
/// gradient, with ReLU in place and its mask done in managed code over the tensors' memory. Gradients are written into
/// the network's flat gradient (<see cref="QNetwork.Flatten"/>), which the flat optimizer reads.
/// Held equal to <see cref="QNetwork.forward"/> and autograd by UpdatePathTests.WrittenOutMlpBackwardEqualsAutogradBitForBit.
/// </summary>
internal sealed class WrittenOutMlp : IDisposable
{
    private static readonly long[] ColumnDimension = [0];

    private readonly Tensor[] _weights;
    private readonly Tensor[] _biases;
    private readonly Tensor[] _weightGradients;
    private readonly Tensor[] _biasGradients;

    public WrittenOutMlp(QNetwork network)
    {
        if (network.Kind != NetworkKind.Mlp)
        {
            throw new ArgumentException("The written-out pass is for MLPs.", nameof(network));
        }
        network.Flatten(); // the gradients below must be views of the flat gradient
        var layers = network.LinearLayers();
        _weights = layers.Select(layer => (Tensor)layer.weight!).ToArray();
        _biases = layers.Select(layer => (Tensor)layer.bias!).ToArray();
        _weightGradients = layers.Select(layer => layer.weight!.grad!).ToArray();
        _biasGradients = layers.Select(layer => layer.bias!.grad!).ToArray();
    }

    /// <summary>Q(s, .) for <paramref name="observations"/>; the caller owns the result, intermediate tensors are disposed.</summary>
    public Tensor Forward(Tensor observations)
    {
        using var noGrad = no_grad();
        var x = observations.dtype == ScalarType.Float32 ? observations : observations.to_type(ScalarType.Float32);
        for (int i = 0; ; i++)
        {
            var output = nn.functional.linear(x, _weights[i], _biases[i]);
            if (!ReferenceEquals(x, observations))
            {
                x.Dispose();
            }
            if (i == _weights.Length - 1)
            {
                return output;
            }
            x = output.relu_();
        }
    }

    /// <summary>
    /// Q(s, .) for <paramref name="observations"/>, keeping each layer's input (the observations as float32, then
    /// each hidden layer's output after ReLU) in <paramref name="layerInputs"/> for <see cref="Backward"/>. The
    /// tensors belong to the caller's dispose scope.
    /// </summary>
    public Tensor Forward(Tensor observations, List<Tensor> layerInputs)
    {
        using var noGrad = no_grad();
        layerInputs.Clear();
        var x = observations.dtype == ScalarType.Float32 ? observations : observations.to_type(ScalarType.Float32);
        for (int i = 0; ; i++)
        {
            layerInputs.Add(x);
            var output = nn.functional.linear(x, _weights[i], _biases[i]);
            if (i == _weights.Length - 1)
            {
                return output;
            }
            x = output.relu_();
        }
    }

    /// <summary>
    /// Writes dLoss/dW and dLoss/db of every layer into the gradient, from dLoss/dQ(s, .) (<paramref name="outputGradient"/>,
    /// batch x actions) and the layer inputs the forward pass kept. As autograd does for y = x W^T + b: dW = g^T x,
    /// db = the column sums of g, and the gradient passed down is g W, zeroed where the ReLU output was zero.
    /// Temporaries belong to the caller's dispose scope.
    /// </summary>
    public void Backward(IReadOnlyList<Tensor> layerInputs, Tensor outputGradient)
    {
        using var noGrad = no_grad();
        var gradient = outputGradient;
        for (int i = _weights.Length - 1; i >= 0; i--)
        {
            var input = layerInputs[i];
            using (var gradientTransposed = gradient.t())
            {
                _weightGradients[i].addmm_(gradientTransposed, input, beta: 0, alpha: 1);
            }
            using (var columnSums = gradient.sum(ColumnDimension))
            {
                _biasGradients[i].copy_(columnSums);
            }
            if (i > 0)
            {
                gradient = gradient.mm(_weights[i]);
                ZeroWhereInactive(Floats(gradient), Floats(input));
            }
        }
    }

    /// <summary>
    /// ReLU's backward pass, as libtorch's threshold_backward: the gradient is zeroed where the layer's output was
    /// at most zero. Branch-free vectors: which units are active is random, so a branch per element would
    /// mispredict half the time.
    /// </summary>
    private static void ZeroWhereInactive(Span<float> gradient, ReadOnlySpan<float> activation)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var gradients = MemoryMarshal.Cast<float, Vector<float>>(gradient);
            var activations = MemoryMarshal.Cast<float, Vector<float>>(activation);
            for (int v = 0; v < gradients.Length; v++)
            {
                gradients[v] = Vector.ConditionalSelect(Vector.LessThanOrEqual(activations[v], Vector<float>.Zero), Vector<float>.Zero, gradients[v]);
            }
            i = gradients.Length * Vector<float>.Count;
        }
        for (; i < gradient.Length; i++)
        {
            if (activation[i] <= 0f)
            {
                gradient[i] = 0f;
            }
        }
    }

    private static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    public void Dispose()
    {
        foreach (var gradient in _weightGradients.Concat(_biasGradients))
        {
            gradient.Dispose();
        }
    }
}
