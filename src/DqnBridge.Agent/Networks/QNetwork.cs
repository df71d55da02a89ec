using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// The Q-network: observations in, one value per action out. An MLP for vector observations
/// (CleanRL's 120-84 by default) or the Nature CNN for stacked 84x84 uint8 frames, which it scales
/// by 1/255 itself so the replay buffer can keep bytes. Its <see cref="QHead"/> may add a distribution over atoms
/// per action (c51: <see cref="Logits"/>, and Q-values as their expectation), a <see cref="DuelingHead"/> and
/// <see cref="NoisyLinear"/> layers.
/// </summary>
public sealed class QNetwork : nn.Module<Tensor, Tensor>
{
    // The layers, in order. The field's name is part of every saved parameter's name ("_layers.fc0.weight"), so
    // renaming it would make earlier checkpoints unreadable.
    private readonly Sequential _layers;
    // With a dueling head, the two streams after _layers (which then ends with the shared features); else null.
    private readonly DuelingHead? _dueling;
    private readonly CategoricalSupport? _support;
    private readonly bool _scaleBytes;

    /// <summary>Which architecture this is.</summary>
    public NetworkKind Kind { get; }
    /// <summary>Shape of one observation the network takes.</summary>
    public int[] ObservationShape { get; }
    /// <summary>Number of Q-values (actions) it outputs.</summary>
    public int ActionCount { get; }

    /// <summary>The hidden layer sizes of an MLP (empty for the CNN).</summary>
    public int[] HiddenSizes { get; }

    /// <summary>The output side: atoms, dueling, noisy layers.</summary>
    public QHead Head { get; }

    /// <summary>The c51 support (null without a distribution).</summary>
    public CategoricalSupport? Support => _support;

    private QNetwork(NetworkKind kind, int[] observationShape, int actionCount, int[] hiddenSizes, QHead head, Sequential layers, DuelingHead? dueling, bool scaleBytes)
        : base(nameof(QNetwork))
    {
        TorchRuntime.Initialize(); // once per process, before any forward pass
        Kind = kind;
        ObservationShape = observationShape;
        ActionCount = actionCount;
        HiddenSizes = hiddenSizes;
        Head = head;
        _layers = layers;
        _dueling = dueling;
        _support = head.IsDistributional ? new CategoricalSupport(head.Atoms, head.VMin, head.VMax) : null;
        _scaleBytes = scaleBytes;
        RegisterComponents();
    }

    /// <summary>Builds the network a config asks for; initialisation draws from torch's global generator.</summary>
    public static QNetwork Create(DqnConfig config, BoxSpace observationSpace, int actionCount) =>
        config.Network switch
        {
            NetworkKind.Mlp => Mlp(observationSpace.ElementCount, actionCount, config.HiddenSizes, QHead.Of(config)),
            NetworkKind.NatureCnn => NatureCnn(observationSpace.Shape, actionCount, QHead.Of(config)),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Network, "unknown network kind"),
        };

    /// <summary>A multilayer perceptron with ReLU between the <paramref name="hiddenSizes"/> layers; DQN's plain head unless <paramref name="head"/> says otherwise.</summary>
    public static QNetwork Mlp(int inputSize, int actionCount, IReadOnlyList<int> hiddenSizes, QHead? head = null)
    {
        head ??= QHead.Plain;
        // ReLU in place: the numbers and gradients of CleanRL's nn.ReLU() (a linear layer's backward needs its input,
        // not its output), with one tensor fewer per layer and forward pass.
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inputSize;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            modules.Add(($"fc{i}", head.Layer(width, hiddenSizes[i])));
            modules.Add(($"relu{i}", nn.ReLU(inplace: true)));
            width = hiddenSizes[i];
        }
        var dueling = head.DuelingOver(width, actionCount);
        if (dueling is null)
        {
            modules.Add(("out", head.Layer(width, actionCount * head.Atoms)));
        }
        return new QNetwork(NetworkKind.Mlp, [inputSize], actionCount, hiddenSizes.ToArray(), head, nn.Sequential(modules), dueling, scaleBytes: false);
    }

    /// <summary>Mnih et al. (2015): three convolutions, 512 hidden units; input is channels x 84 x 84 bytes.</summary>
    public static QNetwork NatureCnn(int[] observationShape, int actionCount, QHead? head = null)
    {
        head ??= QHead.Plain;
        if (observationShape.Length != 3 || observationShape[1] != 84 || observationShape[2] != 84)
        {
            throw new ArgumentException(
                $"The Nature CNN needs observations of shape (stack, 84, 84); got ({string.Join(", ", observationShape)}).",
                nameof(observationShape));
        }
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("conv0", nn.Conv2d(observationShape[0], 32, 8, stride: 4)),
            ("relu0", nn.ReLU()),
            ("conv1", nn.Conv2d(32, 64, 4, stride: 2)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(64, 64, 3, stride: 1)),
            ("relu2", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("fc0", head.Layer(3136, 512)),
            ("relu3", nn.ReLU()),
        };
        var dueling = head.DuelingOver(512, actionCount);
        if (dueling is null)
        {
            modules.Add(("out", head.Layer(512, actionCount * head.Atoms)));
        }
        return new QNetwork(NetworkKind.NatureCnn, observationShape, actionCount, [], head, nn.Sequential(modules), dueling, scaleBytes: true);
    }

    // Held for the process: an explicit Scalar, so no implicitly converted one can be finalized mid-call (ImplicitScalarGuard).
    internal static readonly Scalar ByteScale = 255.0.ToScalar();

    /// <summary>
    /// Q(s, .) for a batch of observations: the module's own layers, as CleanRL's <c>self.network(x)</c>; with c51, the
    /// expectation of each action's distribution over the support. Pixels are scaled to [0, 1] first; any other element
    /// type becomes float32. The reference update and evaluation run this; the fused CPU update runs the same layers
    /// written out (<see cref="FastPath.WrittenOutMlp"/>).
    /// </summary>
    public override Tensor forward(Tensor observations)
    {
        if (_support is null)
        {
            return Outputs(observations);
        }
        using var logits = Logits(observations);
        return _support.ExpectedValues(logits);
    }

    /// <summary>The c51 logits, (batch, actions, atoms): a softmax over the last dimension gives each action's distribution.</summary>
    public Tensor Logits(Tensor observations)
    {
        using var outputs = Outputs(observations);
        return outputs.view(outputs.shape[0], ActionCount, Head.Atoms);
    }

    // (batch, actions x atoms): the layers, then the dueling head if there is one.
    private Tensor Outputs(Tensor observations)
    {
        if (_scaleBytes)
        {
            using var scaled = observations.to_type(ScalarType.Float32).div_(ByteScale);
            return ThroughHead(scaled);
        }
        if (observations.dtype != ScalarType.Float32)
        {
            using var asFloat = observations.to_type(ScalarType.Float32);
            return ThroughHead(asFloat);
        }
        return ThroughHead(observations);
    }

    private Tensor ThroughHead(Tensor input)
    {
        if (_dueling is null)
        {
            return _layers.forward(input);
        }
        using var features = _layers.forward(input);
        return _dueling.forward(features);
    }

    /// <summary>The noisy layers in order (shared layers first, then the value and advantage streams); empty without noisy nets.</summary>
    public IReadOnlyList<NoisyLinear> NoisyLayers() =>
        _noisyLayers ??= _layers.children().Concat(_dueling?.Streams ?? []).OfType<NoisyLinear>().ToArray();

    private NoisyLinear[]? _noisyLayers;

    /// <summary>Turns the noisy layers' noise off (evaluation acts with the mean weights, as Dopamine's eval mode).</summary>
    public void UseMeanWeights()
    {
        foreach (var layer in NoisyLayers())
        {
            layer.UseMeanWeights();
        }
    }

    /// <summary>An untrained network of the same architecture (for the target network).</summary>
    public QNetwork CreateSibling() => Kind switch
    {
        NetworkKind.Mlp => Mlp(ObservationShape[0], ActionCount, HiddenSizes, Head),
        _ => NatureCnn(ObservationShape, ActionCount, Head),
    };

    /// <summary>
    /// Moves every weight and bias into one contiguous tensor (and their gradients into another), leaving
    /// the layers with views of it. The fused update's optimizer and target update (<see cref="Updates.FusedCpuUpdate"/>)
    /// then each touch one tensor instead of one per layer, which is most of the cost of a small network's update.
    /// </summary>
    public (Tensor Values, Tensor Gradients) Flatten()
    {
        if (_flatValues is not null)
        {
            return (_flatValues, _flatGradients!);
        }
        if (Head.Dueling || Head.Noisy)
        {
            throw new InvalidOperationException($"Only single-stream heads of linear layers can be flattened for the fused update; this network's head is {Head}.");
        }
        var layers = _layers.children().Where(layer => layer is Linear or Conv2d).ToArray();
        long total = parameters().Sum(p => p.NumberOfElements);
        var values = zeros(total);
        var gradients = zeros(total);
        long offset = 0;
        Parameter Relocate(Parameter old)
        {
            long count = old.NumberOfElements;
            using var valueSlice = values.narrow(0, offset, count);
            using var gradientSlice = gradients.narrow(0, offset, count);
            var valueView = valueSlice.view(old.shape);
            using (no_grad())
            {
                valueView.copy_(old);
            }
            var parameter = new Parameter(valueView, requires_grad: true);
            parameter.grad = gradientSlice.view(old.shape);
            offset += count;
            return parameter;
        }
        foreach (var layer in layers)
        {
            switch (layer)
            {
                case Linear linear:
                    (linear.weight, linear.bias) = (Relocate(linear.weight!), Relocate(linear.bias!));
                    break;
                case Conv2d conv:
                    (conv.weight, conv.bias) = (Relocate(conv.weight!), Relocate(conv.bias!));
                    break;
            }
        }
        if (offset != total)
        {
            throw new InvalidOperationException($"Flattening placed {offset} of {total} parameters; the network has layers of an unexpected kind.");
        }
        _flatValues = values;
        _flatGradients = gradients;
        return (values, gradients);
    }

    private Tensor? _flatValues;
    private Tensor? _flatGradients;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _flatValues?.Dispose();
            _flatGradients?.Dispose();
            _support?.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The fully connected layers in order (the MLP's whole body; the CNN's head).</summary>
    public IReadOnlyList<Linear> LinearLayers() => _linearLayers ??= _layers.children().OfType<Linear>().ToArray();

    private Linear[]? _linearLayers;

    /// <summary>The convolutions in order (the CNN's body; empty for an MLP).</summary>
    internal IReadOnlyList<Conv2d> ConvLayers() => _convLayers ??= _layers.children().OfType<Conv2d>().ToArray();

    private Conv2d[]? _convLayers;
}
