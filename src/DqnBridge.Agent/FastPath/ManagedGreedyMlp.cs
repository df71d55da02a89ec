using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// argmax_a Q(s, a) of an MLP <see cref="QNetwork"/> for one observation, as a managed SIMD forward pass over a copy
/// of the weights: a few microseconds and no libtorch call, where acting through the network costs several tensor
/// allocations per step. <see cref="Refresh"/> after the weights change. Sums run in a fixed order (SIMD lanes, then
/// across lanes), so actions are deterministic, though Q may differ from libtorch's in the last float bit; ties go to
/// the lowest index as torch.argmax. Held equal to the network's own argmax by GreedyPolicyTests.ManagedMlpActsAsTheNetworkDoes.
/// With a c51 head, each action's Q is the expectation of the softmax of its atoms' logits over the support.
/// </summary>
internal sealed class ManagedGreedyMlp
{
    private readonly QNetwork _network;
    private readonly float[][] _weights;
    private readonly float[][] _biases;
    private readonly float[][] _activations;
    // The c51 support's atoms (null for one value per action) and each action's Q computed from them.
    private readonly float[]? _atoms;
    private readonly float[] _q;
    private bool _stale = true;

    public ManagedGreedyMlp(QNetwork network)
    {
        if (network.Kind != NetworkKind.Mlp)
        {
            throw new ArgumentException("The managed greedy pass is for MLPs.", nameof(network));
        }
        if (network.Head.Dueling || network.Head.Noisy)
        {
            throw new ArgumentException("The managed greedy pass covers single-stream heads without noise.", nameof(network));
        }
        _network = network;
        if (network.Support is { } support)
        {
            using var atoms = support.On(CPU).clone();
            _atoms = MemoryMarshal.Cast<byte, float>(atoms.bytes).ToArray();
        }
        _q = new float[network.ActionCount];
        var layers = network.LinearLayers();
        _weights = layers.Select(layer => new float[layer.weight!.NumberOfElements]).ToArray();
        _biases = layers.Select(layer => new float[layer.bias!.NumberOfElements]).ToArray();
        _activations = [new float[network.ObservationShape[0]], .. layers.Select(layer => new float[layer.bias!.NumberOfElements])];
    }

    /// <summary>Marks the copied weights out of date; they are copied again before the next action.</summary>
    public void Refresh() => _stale = true;

    /// <summary>The greedy action for one raw observation whose elements are of <paramref name="observationType"/>.</summary>
    public int Act(ElementType observationType, ReadOnlySpan<byte> observation)
    {
        if (_stale)
        {
            CopyWeights();
        }
        NetworkInput.ToFloats(observationType, observation, _activations[0]);
        for (int layer = 0; layer < _weights.Length; layer++)
        {
            Dense(_weights[layer], _biases[layer], _activations[layer], _activations[layer + 1], relu: layer < _weights.Length - 1);
        }
        var q = _atoms is null ? _activations[^1] : ExpectedValues(_activations[^1], _atoms, _q);
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

    /// <summary>Per action, sum_i softmax(logits)_i z_i over its block of atoms (the max logit subtracted first, as softmax does).</summary>
    private static float[] ExpectedValues(float[] logits, float[] atoms, float[] q)
    {
        int count = atoms.Length;
        for (int a = 0; a < q.Length; a++)
        {
            var block = logits.AsSpan(a * count, count);
            float max = block[0];
            for (int i = 1; i < count; i++)
            {
                max = MathF.Max(max, block[i]);
            }
            float total = 0, weighted = 0;
            for (int i = 0; i < count; i++)
            {
                float e = MathF.Exp(block[i] - max);
                total += e;
                weighted += e * atoms[i];
            }
            q[a] = weighted / total;
        }
        return q;
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

    /// <summary>
    /// output = W x + b (ReLU optional), each row summed in SIMD lanes and then across lanes: a fixed order, so
    /// deterministic. Four rows at a time, each with its own lanes in the same order as a row alone: the four sums
    /// are independent, so the processor overlaps them instead of waiting on one chain of adds.
    /// </summary>
    private static void Dense(float[] weight, float[] bias, float[] input, float[] output, bool relu)
    {
        int inputs = input.Length;
        int width = Vector<float>.Count;
        int vectorEnd = inputs - inputs % width;
        ref float w = ref MemoryMarshal.GetArrayDataReference(weight);
        ref float x = ref MemoryMarshal.GetArrayDataReference(input);
        int o = 0;
        for (; o + 4 <= output.Length; o += 4)
        {
            nuint row0 = (nuint)(o * inputs);
            nuint row1 = row0 + (nuint)inputs;
            nuint row2 = row1 + (nuint)inputs;
            nuint row3 = row2 + (nuint)inputs;
            Vector<float> lanes0 = Vector<float>.Zero, lanes1 = Vector<float>.Zero, lanes2 = Vector<float>.Zero, lanes3 = Vector<float>.Zero;
            for (int i = 0; i < vectorEnd; i += width)
            {
                var xi = Vector.LoadUnsafe(ref x, (nuint)i);
                lanes0 += Vector.LoadUnsafe(ref w, row0 + (nuint)i) * xi;
                lanes1 += Vector.LoadUnsafe(ref w, row1 + (nuint)i) * xi;
                lanes2 += Vector.LoadUnsafe(ref w, row2 + (nuint)i) * xi;
                lanes3 += Vector.LoadUnsafe(ref w, row3 + (nuint)i) * xi;
            }
            output[o] = Finish(lanes0, weight, (int)row0, input, vectorEnd, bias[o], relu);
            output[o + 1] = Finish(lanes1, weight, (int)row1, input, vectorEnd, bias[o + 1], relu);
            output[o + 2] = Finish(lanes2, weight, (int)row2, input, vectorEnd, bias[o + 2], relu);
            output[o + 3] = Finish(lanes3, weight, (int)row3, input, vectorEnd, bias[o + 3], relu);
        }
        for (; o < output.Length; o++)
        {
            nuint row = (nuint)(o * inputs);
            var lanes = Vector<float>.Zero;
            for (int i = 0; i < vectorEnd; i += width)
            {
                lanes += Vector.LoadUnsafe(ref w, row + (nuint)i) * Vector.LoadUnsafe(ref x, (nuint)i);
            }
            output[o] = Finish(lanes, weight, (int)row, input, vectorEnd, bias[o], relu);
        }
    }

    /// <summary>One row's sum: across its lanes, then the inputs past the last whole vector one by one, then the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector<float> lanes, float[] weight, int row, float[] input, int vectorEnd, float bias, bool relu)
    {
        float sum = Vector.Sum(lanes);
        for (int i = vectorEnd; i < input.Length; i++)
        {
            sum += weight[row + i] * input[i];
        }
        sum += bias;
        return relu && sum < 0 ? 0 : sum;
    }
}
