using DqnBridge.Agent.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// Q(s, .) of the plain Nature CNN without autograd, for batches of a fixed number of rows (the target network's
/// batch, or one observation to act on): the pixels scaled in one managed pass (<see cref="PixelScale"/>) into a
/// tensor allocated once, each convolution's ReLU in place, and each linear layer as the bias copied into an output
/// allocated once plus one in-place <c>addmm_</c> (what <c>linear</c> runs). The same libtorch kernels over the same
/// floats as <see cref="QNetwork.forward"/>, so the same Q-values bit for bit (NatureCnnFusedPathTests), with fewer
/// tensors made per pass. It reads the network's parameters at each pass, so it follows the weights wherever they live.
/// </summary>
internal sealed class NatureCnnInference : IDisposable
{
    private readonly IReadOnlyList<Conv2d> _convolutions;
    private readonly IReadOnlyList<Linear> _linear;
    private readonly int _rows;
    private readonly FloatMemory _scaled;
    // Each linear layer's output, rows x units; the last is Q(s, .).
    private readonly Tensor[] _outputs;

    /// <summary>The pass of <paramref name="network"/> (the plain Nature CNN, on the CPU) for <paramref name="rows"/> observations at a time.</summary>
    public NatureCnnInference(QNetwork network, int rows)
    {
        if (!Covers(network))
        {
            throw new ArgumentException($"The inference pass is for the plain Nature CNN on the CPU; this network is {network.Kind} with head {network.Head}.", nameof(network));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        _rows = rows;
        _convolutions = network.ConvLayers();
        _linear = network.LinearLayers();
        _scaled = new FloatMemory(zeros([rows, .. network.ObservationShape.Select(d => (long)d)]), owned: true);
        _outputs = _linear.Select(layer => zeros(rows, layer.weight!.shape[0])).ToArray();
    }

    /// <summary>Whether the pass covers <paramref name="network"/>: the Nature CNN with a plain head, its weights on the CPU.</summary>
    public static bool Covers(QNetwork network) =>
        network.Kind == NetworkKind.NatureCnn && !network.Head.Dueling && !network.Head.Noisy && !network.Head.IsDistributional
        && network.parameters().All(parameter => parameter.device_type == DeviceType.CPU);

    /// <summary>Q(s, .) for a batch of <c>rows</c> contiguous uint8 <paramref name="observations"/>; the result as <see cref="Forward(ReadOnlySpan{byte})"/>'s.</summary>
    public Tensor Forward(Tensor observations)
    {
        if (observations.dtype != ScalarType.Byte || !observations.is_contiguous() || observations.shape[0] != _rows)
        {
            throw new ArgumentException($"The inference pass takes {_rows} contiguous uint8 observations, got {observations.shape[0]} of {observations.dtype}.", nameof(observations));
        }
        return Forward(observations.bytes);
    }

    /// <summary>
    /// Q(s, .) for <c>rows</c> uint8 observations laid out one after another (rows x stack x 84 x 84 bytes). The result
    /// belongs to this object and holds until the next Forward.
    /// </summary>
    public Tensor Forward(ReadOnlySpan<byte> observations)
    {
        int length = (int)_scaled.Tensor.NumberOfElements;
        if (observations.Length < length)
        {
            throw new ArgumentException($"The inference pass takes {_rows} observations, {length} bytes; got {observations.Length}.", nameof(observations));
        }
        PixelScale.Scale(observations[..length], _scaled.Span);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = _scaled.Tensor;
        foreach (var convolution in _convolutions)
        {
            x = convolution.forward(x).relu_();
        }
        x = x.flatten(1);
        for (int i = 0; i < _linear.Count; i++)
        {
            var output = _outputs[i];
            output.copy_(_linear[i].bias!); // the bias into every row, as addmm copies its first argument
            using var transposedWeight = _linear[i].weight!.t();
            output.addmm_(x, transposedWeight, beta: 1, alpha: 1);
            if (i < _linear.Count - 1)
            {
                output.relu_();
            }
            x = output;
        }
        return _outputs[^1];
    }

    public void Dispose()
    {
        _scaled.Dispose();
        foreach (var output in _outputs)
        {
            output.Dispose();
        }
    }
}
