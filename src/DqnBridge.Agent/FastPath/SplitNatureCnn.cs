using DqnBridge.Agent.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// The plain Nature CNN's online forward and backward pass for the fused CPU update, taken apart where libtorch is slow
/// for this network:
/// <list type="bullet">
/// <item>The pixels are scaled in one managed pass (<see cref="PixelScale"/>, the network's own values).</item>
/// <item>The first convolution runs without autograd. Its weight gradient,
/// dW[o, c, i, j] = sum over frames n and outputs (y, x) of dY[n, o, y, x] X[n, c, 4y + i, 4x + j], is computed as a
/// forward convolution of the input with frames and channels swapped (stack x batch x 84 x 84) by dY with the same swap
/// as its kernel (32 x batch x 20 x 20, dilation 4, the first convolution's stride). With 4 input channels oneDNN runs
/// the weight gradient on an AVX2 kernel over 8-channel blocks (half of them padding) after reordering the input: the
/// step's slowest primitive, 4.8 ms against 1.7 ms for the convolution's forward pass; the swapped forward convolution
/// runs its AVX-512 kernel in about 2.2 ms (docs/results.md, "The Nature CNN on the fused path").</item>
/// <item>The other convolutions and the ReLUs go through autograd, as in the network.</item>
/// <item>The fully connected head (3136 -> 512 -> actions) runs written out (<see cref="WrittenOutMlp"/>): its
/// gradients are matrix products written straight into the flat gradient, not accumulated by autograd.</item>
/// </list>
/// Q-values equal <see cref="QNetwork.forward"/> bit for bit, and so does every gradient but the first convolution's
/// weight and bias gradients, whose sums run in another order: within float rounding
/// (NatureCnnFusedPathTests.SplitPassEqualsTheNetwork). The parameters stay the network's own; gradients go into the
/// flat gradient (<see cref="QNetwork.Flatten"/>).
/// </summary>
internal sealed class SplitNatureCnn : IDisposable
{
    private static readonly long[] ChannelDimensions = [0, 2, 3];

    private readonly Conv2d _first;
    private readonly Conv2d[] _otherConvolutions;
    private readonly WrittenOutMlp _head;
    private readonly long[] _dilation;
    private readonly int _rows;
    // The scaled pixels of the last Forward, rows x stack x 84 x 84, and the same with frames and channels swapped;
    // dLoss/d(first convolution's output) swapped alike (32 x rows x 20 x 20); dLoss/d(features), rows x 3136. Allocated
    // once: fresh tensors of these sizes cost page faults every step.
    private readonly FloatMemory _scaled;
    private readonly FloatMemory _swappedScaled;
    private readonly Tensor _swappedOutputGradient;
    private readonly Tensor _featureGradient;
    // Views of the flat gradient: the first convolution's (written here) and the other convolutions' (autograd adds to them).
    private readonly Tensor _firstWeightGradient;
    private readonly Tensor _firstBiasGradient;
    private readonly Tensor[] _accumulatedGradients;
    // The last Forward's first-convolution output (a leaf that collects dLoss/dY) and the head's input; they belong to
    // the caller's dispose scope, which holds until Backward.
    private Tensor? _firstOutput;
    private Tensor? _features;

    /// <summary>The passes of <paramref name="network"/> (the plain Nature CNN) for batches of <paramref name="rows"/> observations.</summary>
    public SplitNatureCnn(QNetwork network, int rows)
    {
        if (network.Kind != NetworkKind.NatureCnn || network.Head.Dueling || network.Head.Noisy || network.Head.IsDistributional)
        {
            throw new ArgumentException($"The split pass is for the plain Nature CNN; this network is {network.Kind} with head {network.Head}.", nameof(network));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        _rows = rows;
        network.Flatten(); // the gradients below must be views of the flat gradient
        var convolutions = network.ConvLayers();
        _first = convolutions[0];
        _otherConvolutions = convolutions.Skip(1).ToArray();
        _dilation = [.. _first.stride!];
        _head = new WrittenOutMlp(network, rows);
        long[] observationShape = [.. network.ObservationShape.Select(d => (long)d)];
        _scaled = new FloatMemory(zeros([rows, .. observationShape]), owned: true);
        _swappedScaled = new FloatMemory(zeros([observationShape[0], rows, .. observationShape[1..]]), owned: true);
        long outputSide = (observationShape[1] - _first.kernel_size![0]) / _dilation[0] + 1; // 20
        _swappedOutputGradient = zeros(_first.weight!.shape[0], rows, outputSide, outputSide);
        _featureGradient = zeros(rows, network.LinearLayers()[0].weight!.shape[1]);
        _firstWeightGradient = _first.weight!.grad!;
        _firstBiasGradient = _first.bias!.grad!;
        _accumulatedGradients = _otherConvolutions.SelectMany(c => new[] { c.weight!.grad!, c.bias!.grad! }).ToArray();
    }

    /// <summary>
    /// Q(s, .) for uint8 <paramref name="observations"/> (rows x stack x 84 x 84), keeping what <see cref="Backward"/>
    /// needs. The result belongs to this object and holds until the next Forward; the convolutions' tensors belong to
    /// the caller's dispose scope.
    /// </summary>
    public Tensor Forward(Tensor observations)
    {
        if (observations.dtype != ScalarType.Byte || !observations.is_contiguous() || observations.shape[0] != _rows)
        {
            throw new ArgumentException($"The split pass takes {_rows} contiguous uint8 observations, got {observations.shape[0]} of {observations.dtype}.", nameof(observations));
        }
        ScaleBothWays(observations.bytes);
        Tensor firstOutput;
        using (no_grad())
        {
            firstOutput = _first.forward(_scaled.Tensor);
        }
        firstOutput.requires_grad_(true);
        var x = firstOutput.relu(); // not in place: a leaf that requires grad
        foreach (var convolution in _otherConvolutions)
        {
            x = convolution.forward(x).relu_(); // in place, as autograd allows: a convolution's backward needs its input, not its output
        }
        _firstOutput = firstOutput;
        _features = x.flatten(1);
        return _head.Forward(_features);
    }

    /// <summary>
    /// Writes dLoss/d(every parameter) into the flat gradient from dLoss/dQ(s, .) (<paramref name="outputGradient"/>,
    /// rows x actions): the head's written out, the other convolutions' by autograd, the first convolution's by the
    /// swapped forward convolution. Its temporaries belong to the caller's dispose scope.
    /// </summary>
    public void Backward(Tensor outputGradient)
    {
        if (_firstOutput is null || _features is null)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }
        using (no_grad())
        {
            foreach (var gradient in _accumulatedGradients)
            {
                gradient.zero_();
            }
        }
        _head.Backward(outputGradient, _featureGradient);
        _features.backward([_featureGradient]);
        using var noGrad = no_grad();
        using var outputGradientOfFirst = _firstOutput.grad ?? throw new InvalidOperationException("Autograd gave the first convolution's output no gradient.");
        using (var swapped = outputGradientOfFirst.transpose(0, 1))
        {
            _swappedOutputGradient.copy_(swapped);
        }
        using var swappedWeightGradient = nn.functional.conv2d(_swappedScaled.Tensor, _swappedOutputGradient, dilation: _dilation);
        _firstWeightGradient.copy_(swappedWeightGradient.transpose(0, 1));
        using var biasGradient = outputGradientOfFirst.sum(ChannelDimensions);
        _firstBiasGradient.copy_(biasGradient);
        _firstOutput = null;
        _features = null;
    }

    /// <summary>The frames scaled into rows x stack x 84 x 84 and into stack x rows x 84 x 84, a plane at a time.</summary>
    private void ScaleBothWays(ReadOnlySpan<byte> frames)
    {
        var scaled = _scaled.Span;
        var swapped = _swappedScaled.Span;
        int plane = (int)(_scaled.Tensor.shape[2] * _scaled.Tensor.shape[3]);
        int stack = (int)_scaled.Tensor.shape[1];
        for (int row = 0; row < _rows; row++)
        {
            for (int channel = 0; channel < stack; channel++)
            {
                var destination = scaled.Slice((row * stack + channel) * plane, plane);
                PixelScale.Scale(frames.Slice((row * stack + channel) * plane, plane), destination);
                destination.CopyTo(swapped.Slice((channel * _rows + row) * plane, plane));
            }
        }
    }

    public void Dispose()
    {
        _head.Dispose();
        _scaled.Dispose();
        _swappedScaled.Dispose();
        _swappedOutputGradient.Dispose();
        _featureGradient.Dispose();
        _firstWeightGradient.Dispose();
        _firstBiasGradient.Dispose();
        foreach (var gradient in _accumulatedGradients)
        {
            gradient.Dispose();
        }
    }
}
