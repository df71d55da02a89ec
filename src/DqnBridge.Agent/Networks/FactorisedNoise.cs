using DqnBridge.Envs;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// Draws the noise of a network's <see cref="NoisyLinear"/> layers from its own seeded generator, so noise is
/// reproducible and its state goes into checkpoints (<see cref="GetState"/>). Standard normal draws by Box-Muller,
/// one per uniform pair; for each layer in order, its inputs' draws then its outputs'.
/// </summary>
public sealed class FactorisedNoise
{
    private readonly SeededRandom _random;

    /// <summary>Noise seeded from the run's seed (a stream of its own, apart from exploration and replay sampling).</summary>
    public FactorisedNoise(long seed)
    {
        _random = new SeededRandom(seed ^ 0x4E4F495345L); // "NOISE"
    }

    /// <summary>New noise for every noisy layer of <paramref name="network"/>.</summary>
    public void Resample(QNetwork network)
    {
        foreach (var layer in network.NoisyLayers())
        {
            var inputs = new double[layer.Inputs];
            var outputs = new double[layer.Outputs];
            Fill(inputs);
            Fill(outputs);
            layer.SetNoise(inputs, outputs);
        }
    }

    /// <summary>Standard normal draws into <paramref name="destination"/>.</summary>
    public void Fill(Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            double u1 = 1.0 - _random.NextDouble(); // (0, 1]: the logarithm stays finite
            double u2 = _random.NextDouble();
            destination[i] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }

    /// <summary>The generator's state, for checkpoints.</summary>
    public ulong[] GetState() => _random.GetState();

    /// <summary>The generator's state into <paramref name="state"/> (<see cref="SeededRandom.StateWords"/> words), without allocating.</summary>
    public void CopyStateTo(Span<ulong> state) => _random.CopyStateTo(state);

    /// <summary>Restores what <see cref="GetState"/> returned.</summary>
    public void SetState(ReadOnlySpan<ulong> state) => _random.SetState(state);
}
