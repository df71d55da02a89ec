using System.Runtime.InteropServices;
using DqnBridge.Agent.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// A fully connected layer with factorised Gaussian noise (Fortunato et al. 2018):
/// y = (mu_w + sigma_w * eps_w) x + mu_b + sigma_b * eps_b, with eps_w = f(eps_out) outer f(eps_in), eps_b = f(eps_out)
/// and f(x) = sgn(x) sqrt(|x|), from one standard normal draw per input and per output. mu starts uniform in
/// +-1/sqrt(inputs), sigma at sigma0/sqrt(inputs). The noise is set from outside (<see cref="SetNoise"/>, drawn by
/// <see cref="FactorisedNoise"/>); until then, and after <see cref="UseMeanWeights"/>, the layer uses mu alone.
/// </summary>
public sealed class NoisyLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weightMu;
    private readonly Parameter _weightSigma;
    private readonly Parameter _biasMu;
    private readonly Parameter _biasSigma;

    // The noise, on the parameters' device, made on the first draw and rewritten in place by later draws on the CPU
    // (a draw per environment step must not leave tensors and arrays behind for the collector); null before it.
    private Tensor? _weightEpsilon;
    private Tensor? _biasEpsilon;
    private readonly float[] _shapedIn;
    private readonly float[] _shapedOut;

    // Whether the layer computes with its noise (false: mean weights).
    private bool _noisy;

    /// <summary>A layer of <paramref name="inputs"/> to <paramref name="outputs"/>, initialised from torch's global generator.</summary>
    public NoisyLinear(int inputs, int outputs, double sigma0) : base(nameof(NoisyLinear))
    {
        Inputs = inputs;
        Outputs = outputs;
        _shapedIn = new float[inputs];
        _shapedOut = new float[outputs];
        double bound = 1.0 / Math.Sqrt(inputs);
        double sigma = sigma0 / Math.Sqrt(inputs);
        using (no_grad())
        {
            _weightMu = new Parameter(empty(outputs, inputs).uniform_(-bound, bound));
            _weightSigma = new Parameter(full(outputs, inputs, sigma.ToScalar()));
            _biasMu = new Parameter(empty(outputs).uniform_(-bound, bound));
            _biasSigma = new Parameter(full(outputs, sigma.ToScalar()));
        }
        // Registered by name (not RegisterComponents) so the noise tensors stay out of the state dict.
        register_parameter("weight_mu", _weightMu);
        register_parameter("weight_sigma", _weightSigma);
        register_parameter("bias_mu", _biasMu);
        register_parameter("bias_sigma", _biasSigma);
    }

    /// <summary>Input features.</summary>
    public int Inputs { get; }

    /// <summary>Output features.</summary>
    public int Outputs { get; }

    /// <summary>sigma of the weights (for the noise scale in TensorBoard).</summary>
    public Tensor WeightSigma => _weightSigma;

    /// <summary>The weight noise in use (outputs x inputs), or null with mean weights.</summary>
    public Tensor? WeightEpsilon => _noisy ? _weightEpsilon : null;

    /// <summary>The bias noise in use, or null with mean weights.</summary>
    public Tensor? BiasEpsilon => _noisy ? _biasEpsilon : null;

    /// <summary>f(x) = sgn(x) sqrt(|x|), which shapes the factorised noise.</summary>
    public static float Shape(double x) => (float)(Math.Sign(x) * Math.Sqrt(Math.Abs(x)));

    /// <summary>Sets the noise from standard normal draws, one per input and one per output.</summary>
    public void SetNoise(ReadOnlySpan<double> inputNoise, ReadOnlySpan<double> outputNoise)
    {
        if (inputNoise.Length != Inputs || outputNoise.Length != Outputs)
        {
            throw new ArgumentException($"a noisy layer of {Inputs} x {Outputs} needs {Inputs} and {Outputs} draws, got {inputNoise.Length} and {outputNoise.Length}");
        }
        for (int i = 0; i < Inputs; i++)
        {
            _shapedIn[i] = Shape(inputNoise[i]);
        }
        for (int j = 0; j < Outputs; j++)
        {
            _shapedOut[j] = Shape(outputNoise[j]);
        }
        var device = _weightMu.device;
        if (_weightEpsilon is not null && device.type == DeviceType.CPU)
        {
            // eps_w[j, i] = f(eps_out_j) * f(eps_in_i): one float product each, as torch.outer computes it.
            var weight = MemoryMarshal.Cast<byte, float>(_weightEpsilon.bytes);
            for (int j = 0; j < Outputs; j++)
            {
                var row = weight.Slice(j * Inputs, Inputs);
                for (int i = 0; i < Inputs; i++)
                {
                    row[i] = _shapedOut[j] * _shapedIn[i];
                }
            }
            _shapedOut.CopyTo(MemoryMarshal.Cast<byte, float>(_biasEpsilon!.bytes));
        }
        else
        {
            _weightEpsilon?.Dispose();
            _biasEpsilon?.Dispose();
            using var epsilonIn = tensor(_shapedIn);
            using var epsilonOut = tensor(_shapedOut);
            _weightEpsilon = OnDevice(outer(epsilonOut, epsilonIn), device).DetachFromDisposeScope();
            _biasEpsilon = OnDevice(epsilonOut.clone(), device).DetachFromDisposeScope();
        }
        _noisy = true;
    }

    // The tensor on the device; a CPU original moved elsewhere is disposed (the copy is the one owned).
    private static Tensor OnDevice(Tensor tensor, Device device)
    {
        if (device.type == DeviceType.CPU)
        {
            return tensor;
        }
        var moved = tensor.to(device);
        tensor.Dispose();
        return moved;
    }

    /// <summary>Turns the noise off: the layer computes with mu (evaluation).</summary>
    public void UseMeanWeights() => _noisy = false;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (!_noisy)
        {
            return linear(input, _weightMu, _biasMu);
        }
        using var weightNoise = _weightSigma * _weightEpsilon!;
        using var weight = _weightMu.Plus(weightNoise);
        using var biasNoise = _biasSigma * _biasEpsilon!;
        using var bias = _biasMu.Plus(biasNoise);
        return linear(input, weight, bias);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _weightEpsilon?.Dispose();
            _biasEpsilon?.Dispose();
        }
        base.Dispose(disposing);
    }
}
