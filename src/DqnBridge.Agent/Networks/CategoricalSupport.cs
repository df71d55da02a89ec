using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// The fixed support of C51 (Bellemare et al. 2017): n_atoms atoms evenly spaced from v_min to v_max
/// (torch.linspace, as CleanRL's c51.py), and the Q-values a distribution over them gives.
/// </summary>
public sealed class CategoricalSupport : IDisposable
{
    private readonly Tensor _atoms;
    private Tensor? _atomsOnDevice;

    /// <summary>The support of <paramref name="atoms"/> atoms from <paramref name="vMin"/> to <paramref name="vMax"/>.</summary>
    public CategoricalSupport(int atoms, double vMin, double vMax)
    {
        Count = atoms;
        VMin = vMin;
        VMax = vMax;
        _atoms = linspace(vMin, vMax, atoms);
    }

    /// <summary>Number of atoms.</summary>
    public int Count { get; }

    /// <summary>The lowest atom.</summary>
    public double VMin { get; }

    /// <summary>The highest atom.</summary>
    public double VMax { get; }

    /// <summary>The atoms on <paramref name="device"/> (owned by the support).</summary>
    public Tensor On(Device device)
    {
        if (device.type == DeviceType.CPU)
        {
            return _atoms;
        }
        if (_atomsOnDevice is null || _atomsOnDevice.device.type != device.type || _atomsOnDevice.device.index != device.index)
        {
            _atomsOnDevice?.Dispose();
            _atomsOnDevice = _atoms.to(device);
        }
        return _atomsOnDevice;
    }

    /// <summary>Q(s, a) = sum_i p_i(s, a) z_i with p = softmax over the atoms of <paramref name="logits"/> (batch, actions, atoms).</summary>
    public Tensor ExpectedValues(Tensor logits)
    {
        using var probabilities = logits.softmax(2);
        using var weighted = probabilities * On(logits.device);
        return weighted.sum(2);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _atoms.Dispose();
        _atomsOnDevice?.Dispose();
    }
}
