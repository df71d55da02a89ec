using System.Numerics;
using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// An MLP <see cref="QNetwork"/>'s forward and backward pass written out, for the fused CPU update: the libtorch
/// matrix products and sums that the network's own layers and autograd run for linear + ReLU layers, in the same
/// layouts, so Q-values and gradients equal theirs bit for bit, but without building a graph or accumulating into the
/// gradient. Every layer's output and every gradient passed down live in tensors allocated once for the batch size,
/// so a step allocates only the bias gradients' column sums: each layer is one in-place matrix product
/// (<c>addmm_</c> over the bias copied into the output rows, as <c>linear</c> runs it), ReLU and its backward mask run
/// in managed code over the tensors' memory. Gradients are written into the network's flat gradient
/// (<see cref="QNetwork.Flatten"/>), which the flat optimizer reads.
/// Held equal to <see cref="QNetwork.forward"/> and autograd by UpdatePathTests.WrittenOutMlpBackwardEqualsAutogradBitForBit.
/// The Nature CNN's fully connected head (3136 features in) runs the same way in <see cref="SplitNatureCnn"/>, which also
/// takes the gradient with respect to the head's input.
/// </summary>
internal sealed class WrittenOutMlp : IDisposable
{
    private static readonly long[] ColumnDimension = [0];

    private readonly int _rows;
    private readonly Tensor[] _weights;
    // W^T of each layer, a view made once (what linear passes to addmm).
    private readonly Tensor[] _transposedWeights;
    private readonly FloatMemory[] _biases;
    private readonly Tensor[] _weightGradients;
    private readonly Tensor[] _biasGradients;
    // Each layer's output (after ReLU for hidden layers), rows x units; the last is Q(s, .).
    private readonly FloatMemory[] _outputs;
    // dLoss/d(output) of each hidden layer, rows x units, and its transposed view.
    private readonly FloatMemory[] _outputGradients;
    private readonly Tensor[] _transposedOutputGradients;
    // The observations as float32 when they come in another element type.
    private readonly Tensor _floatObservations;
    // The first layer's input in the last Forward, for Backward.
    private Tensor? _input;
    // The gradient Backward was last given and its transposed view (the fused update passes the same tensor every step).
    private Tensor? _outputGradient;
    private Tensor? _transposedOutputGradient;

    /// <summary>The passes of <paramref name="network"/> for batches of <paramref name="rows"/> observations.</summary>
    public WrittenOutMlp(QNetwork network, int rows)
    {
        if (network.Head.Dueling || network.Head.Noisy)
        {
            throw new ArgumentException("The written-out pass covers single-stream heads of plain linear layers.", nameof(network));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        _rows = rows;
        network.Flatten(); // the gradients below must be views of the flat gradient
        var layers = network.LinearLayers();
        using var noGrad = no_grad();
        _weights = layers.Select(layer => (Tensor)layer.weight!).ToArray();
        _transposedWeights = _weights.Select(weight => weight.t()).ToArray();
        _biases = layers.Select(layer => new FloatMemory(layer.bias!)).ToArray();
        _weightGradients = layers.Select(layer => layer.weight!.grad!).ToArray();
        _biasGradients = layers.Select(layer => layer.bias!.grad!).ToArray();
        _outputs = layers.Select(layer => new FloatMemory(zeros(rows, layer.bias!.NumberOfElements), owned: true)).ToArray();
        _outputGradients = layers.SkipLast(1).Select(layer => new FloatMemory(zeros(rows, layer.bias!.NumberOfElements), owned: true)).ToArray();
        _transposedOutputGradients = _outputGradients.Select(gradient => gradient.Tensor.t()).ToArray();
        _floatObservations = zeros(rows, _weights[0].shape[1]);
    }

    /// <summary>
    /// Q(s, .) for <paramref name="observations"/> (<c>rows</c> of them), keeping each layer's output for
    /// <see cref="Backward"/>. The result belongs to this object and holds until the next Forward.
    /// </summary>
    public Tensor Forward(Tensor observations)
    {
        if (observations.shape[0] != _rows)
        {
            throw new ArgumentException($"The written-out pass was made for batches of {_rows}, got {observations.shape[0]} observations.", nameof(observations));
        }
        using var noGrad = no_grad();
        var x = observations;
        if (observations.dtype != ScalarType.Float32)
        {
            _floatObservations.copy_(observations); // as to_type(float32): each element converted
            x = _floatObservations;
        }
        _input = x;
        for (int i = 0; i < _weights.Length; i++)
        {
            // linear(x, W, b) is addmm(b, x, W^T): the bias expanded into the output rows, then C = x W^T + C.
            var output = _outputs[i];
            FillRows(output.Span, _biases[i].Span);
            output.Tensor.addmm_(x, _transposedWeights[i], beta: 1, alpha: 1);
            if (i < _weights.Length - 1)
            {
                Relu(output.Span);
            }
            x = output.Tensor;
        }
        return _outputs[^1].Tensor;
    }

    /// <summary>
    /// Writes dLoss/dW and dLoss/db of every layer into the gradient, from dLoss/dQ(s, .) (<paramref name="outputGradient"/>,
    /// rows x outputs) and the layer outputs the last <see cref="Forward"/> kept. As autograd does for y = x W^T + b:
    /// dW = g^T x, db = the column sums of g, and the gradient passed down is g W, zeroed where the ReLU output was zero.
    /// With <paramref name="inputGradient"/> (rows x inputs), the gradient with respect to the first layer's input, g W,
    /// is written there too. The column sums belong to the caller's dispose scope.
    /// </summary>
    public void Backward(Tensor outputGradient, Tensor? inputGradient = null)
    {
        if (_input is null)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }
        using var noGrad = no_grad();
        if (!ReferenceEquals(outputGradient, _outputGradient))
        {
            _transposedOutputGradient?.Dispose();
            _transposedOutputGradient = outputGradient.t().DetachFromDisposeScope(); // kept across steps: not the step's scope's
            _outputGradient = outputGradient;
        }
        var gradient = outputGradient;
        var gradientTransposed = _transposedOutputGradient!;
        for (int i = _weights.Length - 1; i >= 0; i--)
        {
            var input = i == 0 ? _input : _outputs[i - 1].Tensor;
            _weightGradients[i].addmm_(gradientTransposed, input, beta: 0, alpha: 1);
            using (var columnSums = gradient.sum(ColumnDimension))
            {
                _biasGradients[i].copy_(columnSums);
            }
            if (i > 0)
            {
                // g W, as mm runs it (addmm with beta 0 into the output), into the buffer of the layer below.
                var below = _outputGradients[i - 1];
                below.Tensor.addmm_(gradient, _weights[i], beta: 0, alpha: 1);
                ZeroWhereInactive(below.Span, _outputs[i - 1].Span);
                gradient = below.Tensor;
                gradientTransposed = _transposedOutputGradients[i - 1];
            }
            else
            {
                inputGradient?.addmm_(gradient, _weights[0], beta: 0, alpha: 1);
            }
        }
    }

    /// <summary>Every row of <paramref name="output"/> becomes <paramref name="bias"/>.</summary>
    private static void FillRows(Span<float> output, ReadOnlySpan<float> bias)
    {
        for (int start = 0; start < output.Length; start += bias.Length)
        {
            bias.CopyTo(output.Slice(start, bias.Length));
        }
    }

    /// <summary>
    /// ReLU in place, as libtorch's relu_ (clamp_min with 0): values below zero become 0; NaN and -0 stay.
    /// </summary>
    private static void Relu(Span<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (int v = 0; v < vectors.Length; v++)
            {
                vectors[v] = Vector.ConditionalSelect(Vector.LessThan(vectors[v], Vector<float>.Zero), Vector<float>.Zero, vectors[v]);
            }
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++)
        {
            if (values[i] < 0f)
            {
                values[i] = 0f;
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

    public void Dispose()
    {
        foreach (var tensor in _weightGradients.Concat(_biasGradients).Concat(_transposedWeights).Concat(_transposedOutputGradients))
        {
            tensor.Dispose();
        }
        foreach (var memory in _outputs.Concat(_outputGradients))
        {
            memory.Dispose();
        }
        _transposedOutputGradient?.Dispose();
        _floatObservations.Dispose();
    }
}
