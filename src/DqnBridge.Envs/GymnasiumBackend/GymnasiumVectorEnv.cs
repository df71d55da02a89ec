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
public sealed class GymnasiumVectorEnv : VectorEnvBase, IRestorableVectorEnv, IKeepsObservationsBeforeStep
{
    /// <summary>2: a kind byte (full or episode replay) and the first kept step; 1 (still read): full replay only.</summary>
    private readonly GymnasiumDriver _driver;
    private readonly long[] _actions;
    private readonly bool[] _episodeDone;
    private readonly double[] _episodeReturn;
    private readonly long[] _episodeLength;
    private readonly ActionHistory _history;
    private bool _isReset;
    private int _resetSeed;
    private long _dropOldActionsAt = OldActionsKept;

    // The observations before the last Step, for SaveStateBeforeLastStep, to take back a step that raised, and for the
    // trainer (ObservationsBeforeStep): the one copy of each step's observations on the .NET side; whether a Step was
    // taken since the last Reset or RestoreState.
    private readonly byte[] _observationsBeforeStep;
    private bool _stepped;

    /// <inheritdoc/>
    public ReadOnlySpan<byte> ObservationsBeforeStep => _observationsBeforeStep;

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
        _observationsBeforeStep = new byte[ObservationBuffer.Length];
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
            throw new EnvCreationException(spec.Id, EnvProblem.UnfitSetting, $"vectorization ale needs an Atari id (ALE/<Game>-v5 or <Game>NoFrameskip-v4), not '{spec.Id}'.");
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
        _stepped = false;
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
        if (FullReplayReason is null && _history.Steps >= _dropOldActionsAt)
        {
            // Before the step, so that the actions since each env's start before this step stay (SaveStateBeforeLastStep).
            ReadEpisodeStarts(out long firstStart);
            _history.DropBefore(firstStart);
            _dropOldActionsAt = _history.Steps + OldActionsKept;
        }
        ObservationBuffer.CopyTo(_observationsBeforeStep, 0);
        _stepped = false;
        try
        {
            using (Py.GIL())
            {
                // The driver reads the actions from, and writes the results into, our pinned arrays.
                _driver.Step();
            }
        }
        catch
        {
            // Envs stepped before the one that raised wrote their rows: the observations are those before the step
            // again, as the state SaveState describes (the driver took back its step count and episode starts).
            _observationsBeforeStep.CopyTo(ObservationBuffer, 0);
            throw;
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
        _stepped = true;
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
        return new VectorEnvState(_resetSeed, episodeStarts, _history, ObservationBuffer).ToBytes(NumEnvs);
    }

    /// <inheritdoc/>
    public byte[]? SaveStateBeforeLastStep()
    {
        if (!_stepped)
        {
            return null;
        }
        string? episodeStarts = null;
        if (FullReplayReason is null)
        {
            using var gil = Py.GIL();
            using PyObject starts = _driver.Invoke("episode_starts_before_step");
            episodeStarts = starts.As<string>();
        }
        _history.DropLastStep();
        _driver.Steps--;
        _stepped = false;
        return new VectorEnvState(_resetSeed, episodeStarts, _history, _observationsBeforeStep).ToBytes(NumEnvs);
    }

    /// <summary>
    /// A notice for <c>resume</c> when restoring <paramref name="state"/> costs a replay of the whole run so far
    /// (its length in steps), or null when it replays only the current episodes.
    /// </summary>
    public string? RestoreNotice(byte[] state)
    {
        VectorEnvState saved;
        try
        {
            saved = VectorEnvState.Read(state, Id, NumEnvs, SingleActionSpace);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return null; // RestoreState reports it
        }
        if (saved.EpisodeStarts is not null)
        {
            return null;
        }
        string why = FullReplayReason ?? "the checkpoint was written without episode starts";
        return $"{Id}: restoring the environments replays all {saved.History.Steps:N0} steps since the run's first reset ({why}); " +
               "this takes about as long as the interrupted run spent stepping its environments.";
    }

    /// <summary>
    /// Puts the environments back in Python: from the start of each env's current game and the actions since, or by
    /// resetting with the saved seed and replaying every saved action. Then checks that this gives the saved
    /// observations; if it does not (another Gymnasium, Box2D or ALE build), the restore is refused.
    /// Reads the environment state format <see cref="VectorEnvState.Format"/> only.
    /// </summary>
    public void RestoreState(byte[] state)
    {
        var saved = VectorEnvState.Read(state, Id, NumEnvs, SingleActionSpace);
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
        _stepped = false;
        ClearStepResults();
        if (!saved.Observations.AsSpan().SequenceEqual(ObservationBuffer))
        {
            throw new InvalidDataException(
                $"{Id}: {how} did not reproduce the saved observations, so this environment cannot be put back exactly here " +
                "(was the checkpoint written with another Gymnasium, Box2D or ALE build?).");
        }
        if (saved.EpisodeStarts is null && FullReplayReason is null)
        {
            // A full-replay state restored into envs that record episode starts: from now on, keep only the current episodes.
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

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        _driver.Dispose();
    }
}
