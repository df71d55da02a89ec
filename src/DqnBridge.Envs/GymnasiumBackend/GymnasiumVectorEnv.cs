using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// N Gymnasium environments (gymnasium.vector Sync or Async, same-step autoreset) driven through the
/// bridge with one Python call per step. Observations are copied once, from the driver's NumPy
/// buffers into buffers this object owns; steady-state steps allocate no managed memory.
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
    private readonly ActionHistory history;
    private DriverBuffers? buffers;
    private int resetSeed;

    /// <param name="spec">Id, keyword arguments, wrappers, number of envs, Python.</param>
    /// <param name="training">Life loss as terminal and reward clipping (Atari) apply only while training.</param>
    /// <param name="vectorizationMode">"sync" (one process) or "async" (one subprocess per env).</param>
    public GymnasiumVectorEnv(EnvSpec spec, bool training = true, string vectorizationMode = "sync")
        : this(OpenDriver(spec, training, vectorizationMode), spec.NumEnvs)
    {
    }

    private GymnasiumVectorEnv(GymnasiumDriver driver, int numEnvs)
        : base(driver.EnvId, numEnvs, driver.ObservationSpace, driver.DiscreteActionSpace())
    {
        this.driver = driver;
        actions = new long[numEnvs];
        history = new ActionHistory(numEnvs, SingleActionSpace);
        using var gil = Py.GIL();
        stepMethod = driver.Method("step");
        actionArray = Numpy.FromSpan<long>(actions, numEnvs);
    }

    private static GymnasiumDriver OpenDriver(EnvSpec spec, bool training, string vectorizationMode)
    {
        if (vectorizationMode is not ("sync" or "async"))
        {
            throw new ArgumentException($"vectorization_mode must be sync or async, not '{vectorizationMode}'.", nameof(vectorizationMode));
        }
        var driver = new GymnasiumDriver(spec, "VectorDriver", training, vectorizationMode);
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
        using var gil = Py.GIL();
        using var stepBuffers = driver.Invoke("reset", seed);
        Bind(stepBuffers);
        CopyObservations(buffers!.Observations, ObservationBuffer);
        ClearStepResults();
        resetSeed = seed;
        history.Clear();
        driver.Steps = 0;
    }

    public override void Step(ReadOnlySpan<int> actionsToTake)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var bound = buffers ?? throw new InvalidOperationException($"{Id}: call Reset before Step.");
        CheckActions(actionsToTake);
        for (int i = 0; i < NumEnvs; i++)
        {
            actions[i] = actionsToTake[i];
        }
        using var gil = Py.GIL();
        CompletedEpisodeList.Clear();
        try
        {
            Numpy.CopyInto<long>(actions, actionArray);
            using (stepMethod.Call(actionArray))
            {
            }
            ReadStep(bound);
        }
        catch (PythonException e)
        {
            throw driver.Failed(e);
        }
        history.Append(actionsToTake);
        driver.Steps++;
    }

    /// <summary>Copies one step's results out of the driver's buffers; final observations and episodes only when an env ended.</summary>
    private void ReadStep(DriverBuffers bound)
    {
        CopyObservations(bound.Observations, ObservationBuffer);
        using (var rewards = new NumpyArray(bound.Rewards)) rewards.CopyTo<float>(RewardBuffer);
        using (var terminated = new NumpyArray(bound.Terminated)) terminated.CopyTo<bool>(TerminatedBuffer);
        using (var truncated = new NumpyArray(bound.Truncated)) truncated.CopyTo<bool>(TruncatedBuffer);
        if (Array.IndexOf(TerminatedBuffer, true) < 0 && Array.IndexOf(TruncatedBuffer, true) < 0)
        {
            return;
        }
        CopyObservations(bound.FinalObservations, FinalObservationBuffer);
        using var episodeDone = new NumpyArray(bound.EpisodeDone);
        using var episodeReturn = new NumpyArray(bound.EpisodeReturn);
        using var episodeLength = new NumpyArray(bound.EpisodeLength);
        ReadOnlySpan<bool> done = episodeDone.AsSpan<bool>();
        ReadOnlySpan<double> returns = episodeReturn.AsSpan<double>();
        ReadOnlySpan<long> lengths = episodeLength.AsSpan<long>();
        for (int i = 0; i < NumEnvs; i++)
        {
            if (done[i])
            {
                CompletedEpisodeList.Add(new CompletedEpisode(i, returns[i], checked((int)lengths[i])));
            }
        }
    }

    private void CopyObservations(PyObject source, byte[] destination)
    {
        using var array = new NumpyArray(source);
        if (array.ByteLength != destination.Length)
        {
            throw new NumpyArrayMismatchException(
                $"{Id}: observations of shape ({string.Join(", ", array.Shape)}) do not match {NumEnvs} x {SingleObservationSpace}.");
        }
        array.AsBytes().CopyTo(destination);
    }

    /// <summary>Takes the driver's StepBuffers (returned by reset and replay): its arrays by name, kept until the next reset.</summary>
    private void Bind(PyObject stepBuffers)
    {
        buffers?.Dispose();
        buffers = new DriverBuffers(stepBuffers);
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
        if (buffers is null)
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
            Bind(stepBuffers);
            CopyObservations(buffers!.Observations, ObservationBuffer);
        }
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
            buffers?.Dispose();
            stepMethod.Dispose();
            actionArray.Dispose();
        }
        driver.Dispose();
    }

    /// <summary>The arrays of the driver's StepBuffers, read once by name; the driver overwrites them in place at each step.</summary>
    private sealed class DriverBuffers : IDisposable
    {
        public DriverBuffers(PyObject stepBuffers)
        {
            Observations = stepBuffers.GetAttr("obs");
            FinalObservations = stepBuffers.GetAttr("final_obs");
            Rewards = stepBuffers.GetAttr("rewards");
            Terminated = stepBuffers.GetAttr("terminated");
            Truncated = stepBuffers.GetAttr("truncated");
            EpisodeDone = stepBuffers.GetAttr("episode_done");
            EpisodeReturn = stepBuffers.GetAttr("episode_return");
            EpisodeLength = stepBuffers.GetAttr("episode_length");
        }

        public PyObject Observations { get; }
        public PyObject FinalObservations { get; }
        public PyObject Rewards { get; }
        public PyObject Terminated { get; }
        public PyObject Truncated { get; }
        public PyObject EpisodeDone { get; }
        public PyObject EpisodeReturn { get; }
        public PyObject EpisodeLength { get; }

        public void Dispose()
        {
            Observations.Dispose();
            FinalObservations.Dispose();
            Rewards.Dispose();
            Terminated.Dispose();
            Truncated.Dispose();
            EpisodeDone.Dispose();
            EpisodeReturn.Dispose();
            EpisodeLength.Dispose();
        }
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
