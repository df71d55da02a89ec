using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// N Gymnasium environments (gymnasium.vector Sync or Async, same-step autoreset) driven through the
/// bridge with one Python call per step. The driver writes each step's results (observations, rewards,
/// flags, finished episodes) straight into pinned arrays this object owns, through NumPy views it binds
/// once, and reads the actions from another: a step is one call, with no copy on the .NET side and no
/// managed allocation.
/// <para>
/// Its state is the seed of the last reset and every action taken since: restoring replays them
/// (<see cref="RestoreState"/>), which puts back environments whose dynamics depend only on their
/// seed and actions (classic control, Box2D, ALE) exactly, whatever wrappers are stacked.
/// </para>
/// </summary>
public sealed class GymnasiumVectorEnv : VectorEnvBase, IRestorableVectorEnv
{
    private const int StateFormat = 1;
    private readonly GymnasiumDriver driver;
    private readonly PyObject stepMethod;
    private readonly PyObject actionArray;
    private readonly long[] actions;
    private readonly bool[] episodeDone;
    private readonly double[] episodeReturn;
    private readonly long[] episodeLength;
    private readonly ActionHistory history;
    private bool isReset;
    private int resetSeed;

    /// <param name="spec">Id, keyword arguments, wrappers, number of envs, Python.</param>
    /// <param name="training">Life loss as terminal and reward clipping (Atari) apply only while training.</param>
    /// <param name="vectorizationMode">"sync" (one process), "async" (one subprocess per env) or "ale" (ALE's C++ vector env, <see cref="AleVector"/>).</param>
    public GymnasiumVectorEnv(EnvSpec spec, bool training = true, string vectorizationMode = "sync")
        : this(OpenDriver(spec, training, vectorizationMode), spec.NumEnvs)
    {
    }

    private GymnasiumVectorEnv(GymnasiumDriver driver, int numEnvs)
        : base(driver.EnvId, numEnvs, driver.ObservationSpace, driver.DiscreteActionSpace())
    {
        this.driver = driver;
        actions = GC.AllocateArray<long>(numEnvs, pinned: true);
        episodeDone = GC.AllocateArray<bool>(numEnvs, pinned: true);
        episodeReturn = GC.AllocateArray<double>(numEnvs, pinned: true);
        episodeLength = GC.AllocateArray<long>(numEnvs, pinned: true);
        history = new ActionHistory(numEnvs, SingleActionSpace);
        using var gil = Py.GIL();
        stepMethod = driver.Method("step");
        actionArray = GymnasiumRuntime.Helper.InvokeMethod("array_at", AddressOf(actions), (long)numEnvs * sizeof(long), "int64", new[] { numEnvs });
        var memory = new Dictionary<string, object?>
        {
            ["obs"] = Memory(ObservationBuffer),
            ["final_obs"] = Memory(FinalObservationBuffer),
            ["rewards"] = Memory(RewardBuffer),
            ["terminated"] = Memory(TerminatedBuffer),
            ["truncated"] = Memory(TruncatedBuffer),
            ["episode_done"] = Memory(episodeDone),
            ["episode_return"] = Memory(episodeReturn),
            ["episode_length"] = Memory(episodeLength),
        };
        using var bound = driver.Invoke("bind", memory);
    }

    /// <summary>The address of a pinned array's first element.</summary>
    private static long AddressOf<T>(T[] pinned) where T : unmanaged => Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);

    /// <summary>(address, byte length) of a pinned array, as the driver's bind takes it.</summary>
    private static (long Address, long Bytes) Memory<T>(T[] pinned) where T : unmanaged =>
        (AddressOf(pinned), (long)pinned.Length * Unsafe.SizeOf<T>());

    private static GymnasiumDriver OpenDriver(EnvSpec spec, bool training, string vectorizationMode)
    {
        if (vectorizationMode is not ("sync" or "async" or "ale"))
        {
            throw new ArgumentException($"vectorization_mode must be sync, async or ale, not '{vectorizationMode}'.", nameof(vectorizationMode));
        }
        if (vectorizationMode == "ale" && !AleVector.IsAtariId(spec.Id))
        {
            throw new EnvCreationException(spec.Id, $"vectorization ale needs an Atari id (ALE/<Game>-v5 or <Game>NoFrameskip-v4), not '{spec.Id}'.");
        }
        var driver = new GymnasiumDriver(spec, vectorizationMode == "ale" ? "AleVectorDriver" : "VectorDriver", training, vectorizationMode);
        try
        {
            driver.DiscreteActionSpace();
            return driver;
        }
        catch
        {
            driver.Dispose();
            throw;
        }
    }

    public override void Reset(int seed)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        using (Py.GIL())
        {
            using var stepBuffers = driver.Invoke("reset", seed);
        }
        ClearStepResults();
        isReset = true;
        resetSeed = seed;
        history.Clear();
        driver.Steps = 0;
    }

    public override void Step(ReadOnlySpan<int> actionsToTake)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!isReset)
        {
            throw new InvalidOperationException($"{Id}: call Reset before Step.");
        }
        CheckActions(actionsToTake);
        for (int i = 0; i < NumEnvs; i++)
        {
            actions[i] = actionsToTake[i];
        }
        CompletedEpisodeList.Clear();
        using (Py.GIL())
        {
            try
            {
                // The driver reads the actions from, and writes the results into, our pinned arrays.
                using (stepMethod.Call(actionArray))
                {
                }
            }
            catch (PythonException e)
            {
                throw driver.Failed(e);
            }
        }
        if (Array.IndexOf(TerminatedBuffer, true) >= 0 || Array.IndexOf(TruncatedBuffer, true) >= 0)
        {
            for (int i = 0; i < NumEnvs; i++)
            {
                if (episodeDone[i])
                {
                    CompletedEpisodeList.Add(new CompletedEpisode(i, episodeReturn[i], checked((int)episodeLength[i])));
                }
            }
        }
        history.Append(actionsToTake);
        driver.Steps++;
    }

    public override RgbFrame Render(int index = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CheckIndex(index);
        using var gil = Py.GIL();
        using var frame = driver.Invoke("render", index);
        return GymnasiumEnv.ToRgbFrame(Id, frame);
    }

    /// <summary>The seed of the last reset, the actions taken since, and the current observations (to check a restore).</summary>
    public byte[] SaveState()
    {
        if (!isReset)
        {
            throw new InvalidOperationException($"{Id}: call Reset before SaveState.");
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(StateFormat);
            writer.Write(NumEnvs);
            writer.Write(resetSeed);
            history.Write(writer);
            writer.Write(ObservationBuffer.Length);
            writer.Write(ObservationBuffer);
        }
        return stream.ToArray();
    }

    /// <summary>
    /// Resets with the saved seed and replays the saved actions in Python, then checks that this gives the
    /// saved observations; if it does not (another Gymnasium, Box2D or ALE build), the restore is refused.
    /// </summary>
    public void RestoreState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        int format = reader.ReadInt32();
        if (format != StateFormat)
        {
            throw new InvalidDataException($"{Id}: environment state of format {format}, expected {StateFormat}.");
        }
        int count = reader.ReadInt32();
        if (count != NumEnvs)
        {
            throw new InvalidDataException($"{Id}: the saved state is of {count} environments, this vector env has {NumEnvs}.");
        }
        int seed = reader.ReadInt32();
        history.Read(reader);
        byte[] savedObservations = reader.ReadBytes(reader.ReadInt32());

        using (var gil = Py.GIL())
        {
            using var recorded = history.ToNumpy();
            using var stepBuffers = driver.Invoke("replay", seed, recorded, SingleActionSpace.Start);
        }
        isReset = true;
        resetSeed = seed;
        driver.Steps = history.Steps;
        ClearStepResults();
        if (!savedObservations.AsSpan().SequenceEqual(ObservationBuffer))
        {
            throw new InvalidDataException(
                $"{Id}: replaying the {history.Steps} recorded steps from seed {seed} did not reproduce the saved observations, " +
                "so this environment cannot be put back exactly here (was the checkpoint written with another Gymnasium, Box2D or ALE build?).");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        if (PythonEngine.IsInitialized)
        {
            using var gil = Py.GIL();
            stepMethod.Dispose();
            actionArray.Dispose();
        }
        driver.Dispose();
    }

    /// <summary>Every action since the last reset, one row of NumEnvs per step, stored as action - start in one byte (up to 256 actions) or eight.</summary>
    private sealed class ActionHistory(int numEnvs, DiscreteSpace space)
    {
        private readonly bool wide = space.N > 256;
        private byte[] narrow = [];
        private long[] wideValues = [];
        private long length;

        public long Steps => length / numEnvs;

        public void Clear() => length = 0;

        public void Append(ReadOnlySpan<int> actions)
        {
            long needed = length + actions.Length;
            if (wide)
            {
                if (needed > wideValues.Length) Array.Resize(ref wideValues, (int)Math.Max(needed, Math.Max(1024, wideValues.Length * 2L)));
                for (int i = 0; i < actions.Length; i++) wideValues[length + i] = actions[i] - space.Start;
            }
            else
            {
                if (needed > narrow.Length) Array.Resize(ref narrow, (int)Math.Max(needed, Math.Max(1024, narrow.Length * 2L)));
                for (int i = 0; i < actions.Length; i++) narrow[length + i] = (byte)(actions[i] - space.Start);
            }
            length = needed;
        }

        public void Write(BinaryWriter writer)
        {
            writer.Write(wide);
            writer.Write(length);
            if (wide)
            {
                for (long i = 0; i < length; i++) writer.Write(wideValues[i]);
            }
            else
            {
                writer.Write(narrow, 0, checked((int)length));
            }
        }

        public void Read(BinaryReader reader)
        {
            bool savedWide = reader.ReadBoolean();
            long savedLength = reader.ReadInt64();
            if (savedWide != wide || savedLength % numEnvs != 0)
            {
                throw new InvalidDataException($"The saved actions ({savedLength}, {(savedWide ? "wide" : "narrow")}) do not fit {numEnvs} envs with {space}.");
            }
            length = savedLength;
            if (wide)
            {
                wideValues = new long[length];
                for (long i = 0; i < length; i++) wideValues[i] = reader.ReadInt64();
            }
            else
            {
                narrow = reader.ReadBytes(checked((int)length));
                if (narrow.Length != length) throw new EndOfStreamException("The saved actions are truncated.");
            }
        }

        /// <summary>The actions as a NumPy (steps, numEnvs) array of action - start. Call under the GIL.</summary>
        public PyObject ToNumpy()
        {
            int steps = checked((int)Steps);
            return wide
                ? Numpy.FromSpan<long>(wideValues.AsSpan(0, (int)length), steps, numEnvs)
                : Numpy.FromSpan<byte>(narrow.AsSpan(0, (int)length), steps, numEnvs);
        }
    }
}
