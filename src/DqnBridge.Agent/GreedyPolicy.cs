using System.Runtime.InteropServices;
using DqnBridge.Envs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>
/// argmax_a Q(s, a) for one observation at a time, ties to the lowest index as torch.argmax.
/// For an MLP it runs a managed forward pass over a copy of the weights (a few microseconds, no
/// libtorch call); <see cref="Refresh"/> after the weights change. Sums run in a fixed order, so
/// results are deterministic, though they may differ from libtorch in the last float bit.
/// For the CNN it calls the network on a preallocated input tensor.
/// </summary>
public sealed class GreedyPolicy : IDisposable
{
    private readonly QNetwork _network;
    private readonly float[][] _weights = [];
    private readonly float[][] _biases = [];
    private readonly float[][] _activations = [];
    private readonly Tensor? _input;
    private readonly int _inputBytes;
    private readonly ElementType _observationType;
    private bool _stale = true;

    public GreedyPolicy(QNetwork network, ElementType observationType)
    {
        _network = network;
        _observationType = observationType;
        if (network.Kind == NetworkKind.Mlp)
        {
            var layers = network.LinearLayers();
            _weights = layers.Select(layer => new float[layer.weight!.NumberOfElements]).ToArray();
            _biases = layers.Select(layer => new float[layer.bias!.NumberOfElements]).ToArray();
            _activations = [new float[network.ObservationShape[0]], .. layers.Select(layer => new float[layer.bias!.NumberOfElements])];
        }
        else
        {
            _input = zeros([1, .. network.ObservationShape.Select(d => (long)d)], ScalarType.Byte);
            _inputBytes = network.ObservationShape.Aggregate(1, (a, b) => a * b);
        }
    }

    /// <summary>Marks the copied weights out of date; they are copied again before the next action.</summary>
    public void Refresh() => _stale = true;

    /// <summary>The greedy action for one raw observation (elements of the observation space's type).</summary>
    public int Act(ReadOnlySpan<byte> observation)
    {
        if (_input is not null)
        {
            return ActWithTorch(observation);
        }
        if (_stale)
        {
            CopyWeights();
        }
        NetworkInput.ToFloats(_observationType, observation, _activations[0]);
        for (int layer = 0; layer < _weights.Length; layer++)
        {
            Dense(_weights[layer], _biases[layer], _activations[layer], _activations[layer + 1], relu: layer < _weights.Length - 1);
        }
        var q = _activations[^1];
        int best = 0;
        for (int a = 1; a < q.Length; a++)
        {
            if (q[a] > q[best])
            {
                best = a;
            }
        }
        return best;
    }

    private int ActWithTorch(ReadOnlySpan<byte> observation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        observation[.._inputBytes].CopyTo(_input!.bytes);
        var device = _network.parameters().First().device;
        var input = device.type == DeviceType.CPU ? _input : _input.to(device);
        return (int)_network.forward(input).argmax(1).item<long>();
    }

    private void CopyWeights()
    {
        var layers = _network.LinearLayers();
        for (int i = 0; i < layers.Count; i++)
        {
            CopyToArray(layers[i].weight!, _weights[i]);
            CopyToArray(layers[i].bias!, _biases[i]);
        }
        _stale = false;
    }

    /// <summary>A parameter's values into a managed array, through a CPU copy when it lives on another device.</summary>
    private static void CopyToArray(Tensor parameter, float[] destination)
    {
        if (parameter.device_type == DeviceType.CPU)
        {
            MemoryMarshal.Cast<byte, float>(parameter.bytes).CopyTo(destination);
            return;
        }
        using var onCpu = parameter.detach().cpu();
        MemoryMarshal.Cast<byte, float>(onCpu.bytes).CopyTo(destination);
    }

    /// <summary>output = W x + b (ReLU optional), summed in SIMD lanes and then across lanes: a fixed order, so deterministic.</summary>
    private static void Dense(float[] weight, float[] bias, float[] input, float[] output, bool relu)
    {
        int inputs = input.Length;
        int width = System.Numerics.Vector<float>.Count;
        int vectorEnd = inputs - inputs % width;
        var x = input.AsSpan();
        for (int o = 0; o < output.Length; o++)
        {
            var row = weight.AsSpan(o * inputs, inputs);
            var lanes = System.Numerics.Vector<float>.Zero;
            for (int i = 0; i < vectorEnd; i += width)
            {
                lanes += new System.Numerics.Vector<float>(row[i..]) * new System.Numerics.Vector<float>(x[i..]);
            }
            float sum = System.Numerics.Vector.Sum(lanes);
            for (int i = vectorEnd; i < inputs; i++)
            {
                sum += row[i] * x[i];
            }
            sum += bias[o];
            output[o] = relu && sum < 0 ? 0 : sum;
        }
    }

    public void Dispose() => _input?.Dispose();
}
