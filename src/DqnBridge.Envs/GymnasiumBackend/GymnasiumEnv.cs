using System.Runtime.InteropServices;
using System.Text.Json;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// One Gymnasium environment through the bridge, without autoreset (the <see cref="IEnv"/> contract). The driver writes
/// each observation and step result into pinned arrays this object owns, bound once: a step is one Python call.
/// </summary>
public sealed class GymnasiumEnv : IEnv
{
    private readonly GymnasiumDriver _driver;
    private readonly byte[] _observation;
    private readonly long[] _action = GC.AllocateArray<long>(1, pinned: true);
    private readonly double[] _result = GC.AllocateArray<double>(3, pinned: true); // reward, terminated, truncated
    private bool _disposed;

    /// <param name="spec">The environment and its wrappers.</param>
    /// <param name="training">Life loss as terminal and reward clipping (Atari) apply only while training; otherwise a
    /// lost life resets the wrappers as in training but the episode goes on to the end of the game.</param>
    /// <param name="aleVector">One environment of ALE's C++ vector environment (<see cref="AleVector"/>), the
    /// preprocessing runs with vectorization ale train on; it cannot render.</param>
    public GymnasiumEnv(EnvSpec spec, bool training = false, bool aleVector = false)
    {
        _driver = new GymnasiumDriver(spec, aleVector ? "AleSingleDriver" : "SingleDriver", training, vectorizationMode: null);
        Id = spec.Id;
        ObservationSpace = _driver.ObservationSpace;
        ActionSpace = _driver.ActionSpace;
        MaxEpisodeSteps = _driver.MaxEpisodeSteps;
        _observation = GC.AllocateArray<byte>(ObservationSpace.ByteSize, pinned: true);
        try
        {
            using var gil = Py.GIL();
            _driver.Bind(
                new Dictionary<string, (long, long)> { ["obs"] = Memory(_observation), ["result"] = Memory(_result) },
                "step_into",
                Numpy.ViewOf(_action, 1));
        }
        catch
        {
            _driver.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Id { get; }
    /// <inheritdoc/>
    public BoxSpace ObservationSpace { get; }
    /// <inheritdoc/>
    public Space ActionSpace { get; }
    /// <inheritdoc/>
    public int? MaxEpisodeSteps { get; }

    private static (long Address, long Bytes) Memory<T>(T[] pinned) where T : unmanaged =>
        (Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), (long)pinned.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

    /// <inheritdoc/>
    public void Reset(Span<byte> observation, int? seed = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckDestination(observation);
        using (Py.GIL())
        {
            using PyObject done = _driver.Invoke("reset_into", seed);
        }
        _observation.CopyTo(observation);
    }

    /// <inheritdoc/>
    public StepResult Step(int action, Span<byte> observation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ActionSpace is not DiscreteSpace discrete)
        {
            throw new InvalidOperationException($"DQN needs a discrete action space, but {Id} has {ActionSpace}.");
        }
        if (!discrete.Contains(action))
        {
            throw new ArgumentOutOfRangeException(nameof(action), $"{Id}: action {action} is outside {discrete}.");
        }
        CheckDestination(observation);
        _action[0] = action;
        using (Py.GIL())
        {
            _driver.Step();
        }
        _driver.Steps++;
        _observation.CopyTo(observation);
        return new StepResult(_result[0], _result[1] != 0, _result[2] != 0);
    }

    private void CheckDestination(Span<byte> destination)
    {
        if (destination.Length != ObservationSpace.ByteSize)
        {
            throw new ArgumentException($"{Id}: an observation is {ObservationSpace.ByteSize} bytes ({ObservationSpace}), not {destination.Length}.", nameof(destination));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?> Info
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var gil = Py.GIL();
            using PyObject info = _driver.Invoke("plain_info");
            return (Dictionary<string, object?>)ToPlain(PythonValues.ToJson(info))!;
        }
    }

    /// <summary>JSON as plain .NET values: objects to dictionaries, arrays to lists, whole numbers to long, others to double.</summary>
    private static object? ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out long whole) ? whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <inheritdoc/>
    public RgbFrame Render()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var gil = Py.GIL();
        using PyObject frame = _driver.Invoke("render");
        return ToRgbFrame(Id, frame);
    }

    /// <summary>An (H, W, 3) uint8 frame as an <see cref="RgbFrame"/>. Call under the GIL.</summary>
    internal static RgbFrame ToRgbFrame(string envId, PyObject frame)
    {
        using var array = new NumpyArray(frame);
        if (array.Dtype != NumpyDtype.UInt8 || array.Rank != 3 || array.Dimension(2) != 3)
        {
            throw new NumpyArrayMismatchException($"{envId}: render() gave dtype {Numpy.Name(array.Dtype)} shape ({string.Join(", ", array.Shape)}), expected uint8 (H, W, 3); make the env with render_mode rgb_array.");
        }
        return new RgbFrame(array.Dimension(0), array.Dimension(1), array.AsBytes().ToArray());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _driver.Dispose();
    }
}
