using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// N Gymnasium environments (gymnasium.vector Sync or Async, same-step autoreset) driven through the
/// bridge with one Python call per step. The driver writes each step's results (observations, rewards,
/// flags, finished episodes) straight into pinned arrays this object owns, through NumPy views it binds
/// once, and reads the actions from another: a step is one call, with no copy on the .NET side and no
/// managed allocation.
/// <para>
/// Its state (<see cref="SaveState"/>) is, for each env, what started its current game and the actions since: a
/// restore starts those games again and replays only them. Where that cannot be done (<see cref="FullReplayReason"/>)
/// it is the seed of the last reset and every action since, all replayed. Either way, whatever wrappers are stacked.
/// </para>
/// </summary>
public sealed class GymnasiumVectorEnv : VectorEnvBase, IRestorableVectorEnv
{
    /// <summary>2: a kind byte (full or episode replay) and the first kept step; 1 (still read): full replay only.</summary>
    private const int StateFormat = 2;
    private const byte FullReplay = 0;
    private const byte EpisodeReplay = 1;
    private readonly GymnasiumDriver _driver;
    private readonly long[] _actions;
    private readonly bool[] _episodeDone;
    private readonly double[] _episodeReturn;
    private readonly long[] _episodeLength;
    private readonly ActionHistory _history;
    private bool _isReset;
    private int _resetSeed;
    private long _dropOldActionsAt = OldActionsKept;

    /// <summary>How many steps of actions accumulate before those no restore needs are dropped (besides at every save).</summary>
    private const long OldActionsKept = 100_000;

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
        _driver = driver;
        _actions = GC.AllocateArray<long>(numEnvs, pinned: true);
        _episodeDone = GC.AllocateArray<bool>(numEnvs, pinned: true);
        _episodeReturn = GC.AllocateArray<double>(numEnvs, pinned: true);
        _episodeLength = GC.AllocateArray<long>(numEnvs, pinned: true);
        _history = new ActionHistory(numEnvs, SingleActionSpace);
        using var gil = Py.GIL();
        _driver.Bind(
            new Dictionary<string, (long, long)>
            {
                ["obs"] = Memory(ObservationBuffer),
                ["final_obs"] = Memory(FinalObservationBuffer),
                ["rewards"] = Memory(RewardBuffer),
                ["terminated"] = Memory(TerminatedBuffer),
                ["truncated"] = Memory(TruncatedBuffer),
                ["episode_done"] = Memory(_episodeDone),
                ["episode_return"] = Memory(_episodeReturn),
                ["episode_length"] = Memory(_episodeLength),
            },
            "step",
            Numpy.ViewOf(_actions, numEnvs));
        using PyObject reason = _driver.GetAttr("full_replay_reason");
        FullReplayReason = reason.IsNone() ? null : reason.As<string>();
    }

    /// <summary>
    /// Null when a restore replays only each env's current game (sync and async vectorizations of classic-control,
    /// Box2D and ALE ids); otherwise why it must replay every step since the first reset.
    /// </summary>
    public string? FullReplayReason { get; }

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

    /// <inheritdoc/>
    public override void Reset(int seed)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        using (Py.GIL())
        {
            using PyObject stepBuffers = _driver.Invoke("reset", seed);
        }
        ClearStepResults();
        _isReset = true;
        _resetSeed = seed;
        _history.Clear();
        _dropOldActionsAt = OldActionsKept;
        _driver.Steps = 0;
    }

    /// <inheritdoc/>
    public override void Step(ReadOnlySpan<int> actionsToTake)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!_isReset)
        {
            throw new InvalidOperationException($"{Id}: call Reset before Step.");
        }
        CheckActions(actionsToTake);
        for (int i = 0; i < NumEnvs; i++)
        {
            _actions[i] = actionsToTake[i];
        }
        CompletedEpisodeList.Clear();
        using (Py.GIL())
        {
            // The driver reads the actions from, and writes the results into, our pinned arrays.
            _driver.Step();
        }
        if (Array.IndexOf(TerminatedBuffer, true) >= 0 || Array.IndexOf(TruncatedBuffer, true) >= 0)
        {
            for (int i = 0; i < NumEnvs; i++)
            {
                if (_episodeDone[i])
                {
                    CompletedEpisodeList.Add(new CompletedEpisode(i, _episodeReturn[i], checked((int)_episodeLength[i])));
                }
            }
        }
        _history.Append(actionsToTake);
        _driver.Steps++;
        if (FullReplayReason is null && _history.Steps >= _dropOldActionsAt)
        {
            ReadEpisodeStarts(out long firstStart);
            _history.DropBefore(firstStart);
            _dropOldActionsAt = _history.Steps + OldActionsKept;
        }
    }

    /// <inheritdoc/>
    public override RgbFrame Render(int index = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CheckIndex(index);
        using var gil = Py.GIL();
        using PyObject frame = _driver.Invoke("render", index);
        return GymnasiumEnv.ToRgbFrame(Id, frame);
    }

    /// <summary>
    /// Ids known to restore episode by episode (sync or async): for each env, the start of its current game (the
    /// seed, or np_random's and ALE's state before that reset) and the actions since. Otherwise (vectorization ale,
    /// or another id): the seed of the last reset and every action since. Both with the current observations, to check
    /// a restore. The size of the first does not grow with the run; the second grows by one byte per env and step.
    /// </summary>
    public byte[] SaveState()
    {
        if (!_isReset)
        {
            throw new InvalidOperationException($"{Id}: call Reset before SaveState.");
        }
        string? episodeStarts = null;
        if (FullReplayReason is null)
        {
            episodeStarts = ReadEpisodeStarts(out long firstStart);
            _history.DropBefore(firstStart);
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(StateFormat);
            writer.Write(NumEnvs);
            writer.Write(episodeStarts is null ? FullReplay : EpisodeReplay);
            if (episodeStarts is null)
            {
                writer.Write(_resetSeed);
            }
            else
            {
                writer.Write(episodeStarts);
            }
            _history.Write(writer);
            writer.Write(ObservationBuffer.Length);
            writer.Write(ObservationBuffer);
        }
        return stream.ToArray();
    }

    /// <summary>
    /// A notice for <c>resume</c> when restoring <paramref name="state"/> costs a replay of the whole run so far
    /// (its length in steps), or null when it replays only the current episodes.
    /// </summary>
    public string? RestoreNotice(byte[] state)
    {
        SavedState saved;
        try
        {
            saved = SavedState.Read(state, Id, NumEnvs, SingleActionSpace);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return null; // RestoreState reports it
        }
        if (saved.EpisodeStarts is not null)
        {
            return null;
        }
        string why = saved.Format == 1 ? "its environment state is of format 1, written before DqnBridge restored episode by episode"
            : FullReplayReason ?? "the checkpoint was written without episode starts";
        return $"{Id}: restoring the environments replays all {saved.History.Steps:N0} steps since the run's first reset ({why}); " +
               "this takes about as long as the interrupted run spent stepping its environments.";
    }

    /// <summary>
    /// Puts the environments back in Python: from the start of each env's current game and the actions since, or by
    /// resetting with the saved seed and replaying every saved action. Then checks that this gives the saved
    /// observations; if it does not (another Gymnasium, Box2D or ALE build), the restore is refused.
    /// Reads environment state formats 1 (full replay only) and 2.
    /// </summary>
    public void RestoreState(byte[] state)
    {
        var saved = SavedState.Read(state, Id, NumEnvs, SingleActionSpace);
        string how;
        using (var gil = Py.GIL())
        {
            using PyObject recorded = saved.History.ToNumpy();
            if (saved.EpisodeStarts is { } starts)
            {
                if (FullReplayReason is { } reason)
                {
                    throw new InvalidDataException($"{Id}: the saved state restores episode by episode, which this vector env cannot ({reason}).");
                }
                using PyObject stepBuffers = _driver.Invoke("restore_episodes", starts, recorded, saved.History.FirstStep, saved.History.Steps, SingleActionSpace.Start);
                how = $"replaying the current episodes (the last {saved.History.Steps - saved.History.FirstStep:N0} of {saved.History.Steps:N0} steps)";
            }
            else
            {
                using PyObject stepBuffers = _driver.Invoke("replay", saved.Seed, recorded, SingleActionSpace.Start);
                how = $"replaying the {saved.History.Steps:N0} recorded steps from seed {saved.Seed}";
            }
        }
        _history.CopyFrom(saved.History);
        _dropOldActionsAt = _history.Steps + OldActionsKept;
        _isReset = true;
        _resetSeed = saved.Seed;
        _driver.Steps = _history.Steps;
        ClearStepResults();
        if (!saved.Observations.AsSpan().SequenceEqual(ObservationBuffer))
        {
            throw new InvalidDataException(
                $"{Id}: {how} did not reproduce the saved observations, so this environment cannot be put back exactly here " +
                "(was the checkpoint written with another Gymnasium, Box2D or ALE build?).");
        }
        if (saved.EpisodeStarts is null && FullReplayReason is null)
        {
            // An old full-replay state restored into envs that record episode starts: from now on, keep only the current episodes.
            ReadEpisodeStarts(out long firstStart);
            _history.DropBefore(firstStart);
        }
    }

    /// <summary>The driver's episode starts (JSON) and the earliest of them. Call without the GIL.</summary>
    private string ReadEpisodeStarts(out long firstStart)
    {
        string json;
        using (Py.GIL())
        {
            using PyObject starts = _driver.Invoke("episode_starts");
            json = starts.As<string>();
        }
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        firstStart = parsed.RootElement.EnumerateArray().Min(start => start.GetProperty("start").GetInt64());
        return json;
    }

    /// <summary>What SaveState wrote, read back and checked against this vector env.</summary>
    private sealed record SavedState(int Format, int Seed, string? EpisodeStarts, ActionHistory History, byte[] Observations)
    {
        public static SavedState Read(byte[] state, string id, int numEnvs, DiscreteSpace space)
        {
            using var reader = new BinaryReader(new MemoryStream(state));
            int format = reader.ReadInt32();
            if (format is not (1 or StateFormat))
            {
                throw new InvalidDataException($"{id}: environment state of format {format}; this DqnBridge reads formats 1 and {StateFormat}.");
            }
            int count = reader.ReadInt32();
            if (count != numEnvs)
            {
                throw new InvalidDataException($"{id}: the saved state is of {count} environments, this vector env has {numEnvs}.");
            }
            // Format 1 is a full replay without a mode byte.
            byte mode = format == 1 ? FullReplay : reader.ReadByte();
            if (mode is not (FullReplay or EpisodeReplay))
            {
                throw new InvalidDataException($"{id}: environment state of unknown kind {mode}.");
            }
            int seed = mode == FullReplay ? reader.ReadInt32() : 0;
            string? episodeStarts = mode == EpisodeReplay ? reader.ReadString() : null;
            var history = new ActionHistory(numEnvs, space);
            history.Read(reader, withFirstStep: format != 1);
            byte[] observations = reader.ReadBytes(reader.ReadInt32());
            return new SavedState(format, seed, episodeStarts, history, observations);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        _driver.Dispose();
    }

    /// <summary>
    /// The actions of steps FirstStep to Steps - 1 (counted from the last reset), one row of NumEnvs per step, stored as
    /// action - start in one byte (up to 256 actions) or eight. Earlier rows are dropped once no restore needs them.
    /// </summary>
    private sealed class ActionHistory(int numEnvs, DiscreteSpace space)
    {
        private readonly bool _wide = space.N > 256;
        private byte[] _narrow = [];
        private long[] _wideValues = [];
        private long _length;

        public long FirstStep { get; private set; }

        public long Steps => FirstStep + _length / numEnvs;

        public void Clear()
        {
            _length = 0;
            FirstStep = 0;
        }

        public void Append(ReadOnlySpan<int> _actions)
        {
            long needed = _length + _actions.Length;
            if (_wide)
            {
                if (needed > _wideValues.Length)
                {
                    Array.Resize(ref _wideValues, (int)Math.Max(needed, Math.Max(1024, _wideValues.Length * 2L)));
                }

                for (int i = 0; i < _actions.Length; i++)
                {
                    _wideValues[_length + i] = _actions[i] - space.Start;
                }
            }
            else
            {
                if (needed > _narrow.Length)
                {
                    Array.Resize(ref _narrow, (int)Math.Max(needed, Math.Max(1024, _narrow.Length * 2L)));
                }

                for (int i = 0; i < _actions.Length; i++)
                {
                    _narrow[_length + i] = (byte)(_actions[i] - space.Start);
                }
            }
            _length = needed;
        }

        /// <summary>Forgets the steps before <paramref name="step"/>.</summary>
        public void DropBefore(long step)
        {
            if (step <= FirstStep)
            {
                return;
            }
            if (step > Steps)
            {
                throw new ArgumentOutOfRangeException(nameof(step), step, $"only {Steps} steps were taken");
            }
            long dropped = (step - FirstStep) * numEnvs;
            if (_wide)
            {
                Array.Copy(_wideValues, dropped, _wideValues, 0, _length - dropped);
            }
            else
            {
                Array.Copy(_narrow, dropped, _narrow, 0, _length - dropped);
            }
            _length -= dropped;
            FirstStep = step;
        }

        public void CopyFrom(ActionHistory other)
        {
            (_narrow, _wideValues, _length, FirstStep) = (other._narrow, other._wideValues, other._length, other.FirstStep);
        }

        public void Write(BinaryWriter writer)
        {
            writer.Write(_wide);
            writer.Write(FirstStep);
            writer.Write(_length);
            if (_wide)
            {
                for (long i = 0; i < _length; i++)
                {
                    writer.Write(_wideValues[i]);
                }
            }
            else
            {
                writer.Write(_narrow, 0, checked((int)_length));
            }
        }

        /// <param name="reader">Positioned at the history.</param>
        /// <param name="withFirstStep">False for format 1, which kept every step since the reset.</param>
        public void Read(BinaryReader reader, bool withFirstStep)
        {
            bool savedWide = reader.ReadBoolean();
            long firstStep = withFirstStep ? reader.ReadInt64() : 0;
            long savedLength = reader.ReadInt64();
            if (savedWide != _wide || savedLength % numEnvs != 0 || firstStep < 0)
            {
                throw new InvalidDataException($"The saved actions ({savedLength}, {(savedWide ? "wide" : "narrow")}) do not fit {numEnvs} envs with {space}.");
            }
            _length = savedLength;
            FirstStep = firstStep;
            if (_wide)
            {
                _wideValues = new long[_length];
                for (long i = 0; i < _length; i++)
                {
                    _wideValues[i] = reader.ReadInt64();
                }
            }
            else
            {
                _narrow = reader.ReadBytes(checked((int)_length));
                if (_narrow.Length != _length)
                {
                    throw new EndOfStreamException("The saved actions are truncated.");
                }
            }
        }

        /// <summary>The kept actions as a NumPy (steps, numEnvs) array of action - start. Call under the GIL.</summary>
        public PyObject ToNumpy()
        {
            int steps = checked((int)(Steps - FirstStep));
            return _wide
                ? Numpy.CopyOf<long>(_wideValues.AsSpan(0, (int)_length), steps, numEnvs)
                : Numpy.CopyOf<byte>(_narrow.AsSpan(0, (int)_length), steps, numEnvs);
        }
    }
}
