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
/// by 1/255 itself so the replay buffer can keep bytes.
/// </summary>
public sealed class QNetwork : nn.Module<Tensor, Tensor>
{
    // The layers, in order. The field's name is part of every saved parameter's name ("_layers.fc0.weight"), so
    // renaming it would make earlier checkpoints unreadable.
    private readonly Sequential _layers;
    private readonly bool _scaleBytes;

    /// <summary>Which architecture this is.</summary>
    public NetworkKind Kind { get; }
    /// <summary>Shape of one observation the network takes.</summary>
    public int[] ObservationShape { get; }
    /// <summary>Number of Q-values (actions) it outputs.</summary>
    public int ActionCount { get; }

    /// <summary>The hidden layer sizes of an MLP (empty for the CNN).</summary>
    public int[] HiddenSizes { get; }

    private QNetwork(NetworkKind kind, int[] observationShape, int actionCount, int[] hiddenSizes, Sequential layers, bool scaleBytes)
        : base(nameof(QNetwork))
    {
        TorchRuntime.Initialize(); // once per process, before any forward pass
        Kind = kind;
        ObservationShape = observationShape;
        ActionCount = actionCount;
        HiddenSizes = hiddenSizes;
        _layers = layers;
        _scaleBytes = scaleBytes;
        RegisterComponents();
    }

    /// <summary>Builds the network a config asks for; initialisation draws from torch's global generator.</summary>
    public static QNetwork Create(DqnConfig config, BoxSpace observationSpace, int actionCount) =>
        config.Network switch
        {
            NetworkKind.Mlp => Mlp(observationSpace.ElementCount, actionCount, config.HiddenSizes),
            NetworkKind.NatureCnn => NatureCnn(observationSpace.Shape, actionCount),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Network, "unknown network kind"),
        };

    /// <summary>A multilayer perceptron with ReLU between the <paramref name="hiddenSizes"/> layers.</summary>
    public static QNetwork Mlp(int inputSize, int actionCount, IReadOnlyList<int> hiddenSizes)
    {
        // ReLU in place: the numbers and gradients of CleanRL's nn.ReLU() (a linear layer's backward needs its input,
        // not its output), with one tensor fewer per layer and forward pass.
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inputSize;
        for (int i = 0; i < hiddenSizes.Count; i++)
        {
            modules.Add(($"fc{i}", nn.Linear(width, hiddenSizes[i])));
            modules.Add(($"relu{i}", nn.ReLU(inplace: true)));
            width = hiddenSizes[i];
        }
        modules.Add(("out", nn.Linear(width, actionCount)));
        return new QNetwork(NetworkKind.Mlp, [inputSize], actionCount, hiddenSizes.ToArray(), nn.Sequential(modules), scaleBytes: false);
    }

    /// <summary>Mnih et al. (2015): three convolutions, 512 hidden units; input is channels x 84 x 84 bytes.</summary>
    public static QNetwork NatureCnn(int[] observationShape, int actionCount)
    {
        if (observationShape.Length != 3 || observationShape[1] != 84 || observationShape[2] != 84)
        {
            throw new ArgumentException(
                $"The Nature CNN needs observations of shape (stack, 84, 84); got ({string.Join(", ", observationShape)}).",
                nameof(observationShape));
        }
        var layers = nn.Sequential(
            ("conv0", nn.Conv2d(observationShape[0], 32, 8, stride: 4)),
            ("relu0", nn.ReLU()),
            ("conv1", nn.Conv2d(32, 64, 4, stride: 2)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(64, 64, 3, stride: 1)),
            ("relu2", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("fc0", nn.Linear(3136, 512)),
            ("relu3", nn.ReLU()),
            ("out", nn.Linear(512, actionCount)));
        return new QNetwork(NetworkKind.NatureCnn, observationShape, actionCount, [], layers, scaleBytes: true);
    }

    // Held for the process: an explicit Scalar, so no implicitly converted one can be finalized mid-call (ImplicitScalarGuard).
    private static readonly Scalar ByteScale = 255.0.ToScalar();

    /// <summary>
    /// Q(s, .) for a batch of observations: the module's own layers, as CleanRL's <c>self.network(x)</c>. Pixels are
    /// scaled to [0, 1] first; any other element type becomes float32. The reference update and evaluation run this;
    /// the fused CPU update runs the same layers written out (<see cref="FastPath.WrittenOutMlp"/>).
    /// </summary>
    public override Tensor forward(Tensor observations)
    {
        if (_scaleBytes)
        {
            using var scaled = observations.to_type(ScalarType.Float32).div_(ByteScale);
            return _layers.forward(scaled);
        }
        if (observations.dtype != ScalarType.Float32)
        {
            using var asFloat = observations.to_type(ScalarType.Float32);
            return _layers.forward(asFloat);
        }
        return _layers.forward(observations);
    }

    /// <summary>An untrained network of the same architecture (for the target network).</summary>
    public QNetwork CreateSibling() => Kind switch
    {
        NetworkKind.Mlp => Mlp(ObservationShape[0], ActionCount, HiddenSizes),
        _ => NatureCnn(ObservationShape, ActionCount),
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
        }
        base.Dispose(disposing);
    }

    /// <summary>The fully connected layers in order (the MLP's whole body; the CNN's head).</summary>
    public IReadOnlyList<Linear> LinearLayers() => _linearLayers ??= _layers.children().OfType<Linear>().ToArray();

    private Linear[]? _linearLayers;
}
