using System.Runtime.InteropServices;
using DqnBridge.Agent.FastPath;
using DqnBridge.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// argmax_a Q(s, a) for one observation at a time, ties to the lowest index as torch.argmax. An MLP acts through
/// the fast path's managed forward pass (<see cref="ManagedGreedyMlp"/>, deterministic, a few microseconds);
/// <see cref="Refresh"/> after the weights change (c51's distribution too). The plain Nature CNN on the CPU acts
/// through <see cref="NatureCnnInference"/> (the network's own kernels, fewer tensors per action); other CNNs, and MLPs
/// with a dueling head or noisy layers, act through the network on a preallocated input tensor.
/// </summary>
public sealed class GreedyPolicy : IDisposable
{
    private readonly QNetwork _network;
    private readonly ElementType _observationType;
    private readonly ManagedGreedyMlp? _mlp;
    private readonly NatureCnnInference? _cnn;
    private readonly Tensor? _input;
    private readonly ElementType _inputType;
    private readonly int _inputElements;

    /// <summary>A policy over <paramref name="network"/> for observations of <paramref name="observationType"/>.</summary>
    public GreedyPolicy(QNetwork network, ElementType observationType)
    {
        _network = network;
        _observationType = observationType;
        if (network.Kind == NetworkKind.Mlp && !network.Head.Dueling && !network.Head.Noisy)
        {
            _mlp = new ManagedGreedyMlp(network);
        }
        else if (observationType == ElementType.UInt8 && NatureCnnInference.Covers(network))
        {
            _cnn = new NatureCnnInference(network, rows: 1);
        }
        else
        {
            _inputType = network.Kind == NetworkKind.Mlp ? ElementType.Float32 : ElementType.UInt8;
            _input = zeros([1, .. network.ObservationShape.Select(d => (long)d)], _inputType == ElementType.UInt8 ? ScalarType.Byte : ScalarType.Float32);
            _inputElements = network.ObservationShape.Aggregate(1, (a, b) => a * b);
        }
    }

    /// <summary>Marks the MLP's copied weights out of date; they are copied again before the next action.</summary>
    public void Refresh() => _mlp?.Refresh();

    /// <summary>The greedy action for one raw observation (elements of the observation space's type).</summary>
    public int Act(ReadOnlySpan<byte> observation)
    {
        if (_mlp is not null)
        {
            return _mlp.Act(_observationType, observation);
        }
        if (_cnn is not null)
        {
            using var action = _cnn.Forward(observation).argmax(1);
            return (int)action.item<long>();
        }
        return ActWithTorch(observation);
    }

    private int ActWithTorch(ReadOnlySpan<byte> observation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_inputType == ElementType.UInt8)
        {
            observation[.._inputElements].CopyTo(_input!.bytes);
        }
        else
        {
            NetworkInput.ToFloats(_observationType, observation, MemoryMarshal.Cast<byte, float>(_input!.bytes));
        }
        var device = _network.parameters().First().device;
        var input = device.type == DeviceType.CPU ? _input : _input.to(device);
        return (int)_network.forward(input).argmax(1).item<long>();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _input?.Dispose();
        _cnn?.Dispose();
    }
}
