using System.Runtime.InteropServices;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// Replay for stacked pixel observations (stack x H x W bytes) that keeps each frame once.
/// Every slot holds the newest frame of one observation; a transition at slot i has its next
/// observation's newest frame at slot i + 1, and the stacks are rebuilt at sampling time by walking
/// back to the episode's first slot. Frames before an episode's start are padding, as the
/// frame-stack wrapper produced it at reset (copies of the first frame, or zeros).
/// A finished episode also takes one slot for its true final frame, so buffer_size counts frames.
/// Each environment of a vector env writes its own contiguous segment.
/// An n-step transition is read at sampling time too: from its slot forward through the episode's next
/// slots, up to n steps or the episode's end; a transition whose n steps are not all taken yet is not drawn.
/// </summary>
public sealed unsafe class FrameReplayBuffer : IReplayBuffer
{
    private const byte IsTransition = 1;
    private const byte IsEpisodeStart = 2;
    private const byte IsTerminated = 4;

    private enum Padding : byte
    {
        Unknown,
        RepeatFirst,
        Zeros,
    }

    private readonly int _stack;
    private readonly int _frameBytes;
    private readonly int _segment;
    private readonly int _envCount;
    private byte* _frames;
    private readonly int[] _actions;
    private readonly float[] _rewards;
    private readonly byte[] _flags;

    // Per environment: next slot to write (relative to its segment), slots written (saturating),
    // and the slot holding the current observation when the episode goes on (-1 at an episode start).
    private readonly int[] _position;
    private readonly int[] _filled;
    private readonly int[] _pending;
    private readonly NStepReturns _returns;
    private readonly float[] _rewardScratch;
    private readonly int[] _chain;
    private Padding _padding;
    private int _count;

    // What the Adds since BeginStep overwrote, for UndoStep; null before any BeginStep. (n-step returns are read at
    // sampling time, so the slots hold everything a step changes.)
    private StepJournal? _journal;

    /// <summary>A buffer of <paramref name="capacity"/> one-step transitions that stores each frame once.</summary>
    public FrameReplayBuffer(int capacity, int[] observationShape, int envCount = 1)
        : this(capacity, observationShape, envCount, NStepReturns.OneStep)
    {
    }

    /// <summary>A buffer of <paramref name="capacity"/> transitions of <paramref name="returns"/>' steps that stores each frame once.</summary>
    public FrameReplayBuffer(int capacity, int[] observationShape, int envCount, NStepReturns returns)
    {
        if (observationShape.Length != 3)
        {
            throw new ArgumentException($"Frame replay needs (stack, height, width) observations, got ({string.Join(", ", observationShape)}).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(envCount, 1);
        _stack = observationShape[0];
        _frameBytes = observationShape[1] * observationShape[2];
        _envCount = envCount;
        _segment = capacity / envCount;
        _returns = returns;
        _rewardScratch = new float[returns.Steps];
        _chain = new int[returns.Steps];
        if (_segment < _stack + returns.Steps + 1)
        {
            throw new ArgumentException($"buffer_size {capacity} is too small for {envCount} environments with frame stack {_stack} and n_step {returns.Steps}.");
        }
        Capacity = _segment * envCount;
        ObservationBytes = _stack * _frameBytes;
        _frames = (byte*)NativeMemory.Alloc((nuint)Capacity * (nuint)_frameBytes);
        _actions = new int[Capacity];
        _rewards = new float[Capacity];
        _flags = new byte[Capacity];
        _position = new int[envCount];
        _filled = new int[envCount];
        _pending = Enumerable.Repeat(-1, envCount).ToArray();
    }

    /// <inheritdoc/>
    public ElementType InputType => ElementType.UInt8;
    /// <inheritdoc/>
    public int ObservationBytes { get; }
    /// <inheritdoc/>
    public int Capacity { get; }
    /// <inheritdoc/>
    public int Count => _count;
    /// <inheritdoc/>
    public int SlotCount => Capacity;
    /// <inheritdoc/>
    public IReplaySlotObserver? SlotObserver { get; set; }
    /// <inheritdoc/>
    public long MemoryBytes => (long)Capacity * _frameBytes + _actions.Length * 4L + _rewards.Length * 4L + _flags.Length;

    private Span<byte> Frame(int slot) => new(_frames + (long)slot * _frameBytes, _frameBytes);

    /// <inheritdoc/>
    public void Add(int envIndex, ReadOnlySpan<byte> observation, ReadOnlySpan<byte> nextObservation, int action, float reward, bool terminated, bool truncated)
    {
        ObjectDisposedException.ThrowIf(_frames == null, this);
        if (observation.Length != ObservationBytes || nextObservation.Length != ObservationBytes)
        {
            throw new ArgumentException($"Stacked observations have {ObservationBytes} bytes, got {observation.Length} and {nextObservation.Length}.");
        }
        int current = _pending[envIndex];
        if (current < 0)
        {
            CheckPadding(observation);
            current = WriteFrame(envIndex, Newest(observation), IsEpisodeStart);
        }
        else
        {
            _journal?.Remember(current, this);
        }
        _flags[current] |= (byte)(IsTransition | (terminated ? IsTerminated : 0));
        _actions[current] = action;
        _rewards[current] = reward;
        _count++;
        int next = WriteFrame(envIndex, Newest(nextObservation), 0);
        bool ended = terminated || truncated;
        _pending[envIndex] = ended ? -1 : next;
        if (SlotObserver is not null)
        {
            ReportCompleted(envIndex, current, ended);
        }
    }

    /// <inheritdoc/>
    public void TruncateEpisodes(ReadOnlySpan<byte> currentObservations)
    {
        // The current observation's frame is already stored (as the last step's next frame): it becomes the final one.
        for (int e = 0; e < _envCount; e++)
        {
            if (_pending[e] < 0)
            {
                continue;
            }
            int lastTransition = Previous(e, _pending[e]);
            _pending[e] = -1;
            if (SlotObserver is not null)
            {
                ReportCompleted(e, lastTransition, ended: true);
            }
        }
    }

    /// <summary>
    /// Tells the observer which transitions this step completed: the one n - 1 steps back in the episode (its n-th step
    /// was just taken), or, when the episode ended, every one still short of n steps (the slots of the last n steps).
    /// </summary>
    private void ReportCompleted(int envIndex, int current, bool ended)
    {
        int length = 0;
        int age = Age(envIndex, current);
        for (int walk = current; ; walk = Previous(envIndex, walk))
        {
            _chain[length++] = walk;
            if (length == _chain.Length || (_flags[walk] & IsEpisodeStart) != 0 || length > age
                || (_flags[Previous(envIndex, walk)] & IsTransition) == 0)
            {
                break;
            }
        }
        for (int i = ended ? 0 : _chain.Length - 1; i < length; i++)
        {
            if (CanSample(envIndex, _chain[i]))
            {
                SlotObserver!.OnSampleable(_chain[i]);
            }
        }
    }

    private ReadOnlySpan<byte> Newest(ReadOnlySpan<byte> stacked) => stacked.Slice((_stack - 1) * _frameBytes, _frameBytes);

    private int WriteFrame(int envIndex, ReadOnlySpan<byte> frame, byte flags)
    {
        int slot = envIndex * _segment + _position[envIndex];
        _journal?.Remember(slot, this);
        if ((_flags[slot] & IsTransition) != 0)
        {
            _count--;
            SlotObserver?.OnRemoved(slot);
        }
        if (SlotObserver is not null)
        {
            ReportLostHistory(envIndex, slot);
        }
        frame.CopyTo(Frame(slot));
        _flags[slot] = flags;
        _position[envIndex] = (_position[envIndex] + 1) % _segment;
        _filled[envIndex] = Math.Min(_filled[envIndex] + 1, _segment);
        return slot;
    }

    /// <summary>The transitions just after <paramref name="overwritten"/> in its episode needed its frame for their stacks: they cannot be drawn any more.</summary>
    private void ReportLostHistory(int envIndex, int overwritten)
    {
        int walk = overwritten;
        for (int back = 1; back < _stack; back++)
        {
            walk = Next(envIndex, walk);
            if ((_flags[walk] & IsEpisodeStart) != 0)
            {
                return;
            }
            if ((_flags[walk] & IsTransition) != 0)
            {
                SlotObserver!.OnRemoved(walk);
            }
        }
    }

    /// <summary>Learns how the frame stack pads a first observation, and insists it stays that way.</summary>
    private void CheckPadding(ReadOnlySpan<byte> observation)
    {
        var first = Newest(observation);
        bool repeats = true, zeros = true;
        for (int f = 0; f < _stack - 1; f++)
        {
            var older = observation.Slice(f * _frameBytes, _frameBytes);
            repeats &= older.SequenceEqual(first);
            zeros &= !older.ContainsAnyExcept((byte)0);
        }
        if (_stack == 1 || (repeats && zeros))
        {
            return;
        }
        var seen = repeats ? Padding.RepeatFirst : zeros ? Padding.Zeros : Padding.Unknown;
        if (seen == Padding.Unknown || (_padding != Padding.Unknown && _padding != seen))
        {
            throw new InvalidOperationException(
                "The first observation of an episode must pad its older frames with copies of the first frame or with zeros "
                + $"(frame-stack padding seen so far: {_padding}); the frame replay buffer cannot rebuild this stack.");
        }
        _padding = seen;
    }

    /// <inheritdoc/>
    public void BeginStep()
    {
        _journal ??= new StepJournal(_frameBytes, _envCount);
        _journal.Begin(this);
    }

    /// <inheritdoc/>
    public void UndoStep() => (_journal ?? throw new InvalidOperationException("UndoStep without BeginStep.")).Undo(this);

    /// <summary>The buffer's counters at <see cref="BeginStep"/> and the slots overwritten since, with their old content.</summary>
    private sealed class StepJournal(int frameBytes, int envCount)
    {
        private readonly int[] _position = new int[envCount];
        private readonly int[] _filled = new int[envCount];
        private readonly int[] _pending = new int[envCount];
        private Padding _padding;
        private int _count;
        private int[] _slots = new int[8];
        private byte[] _frames = new byte[8 * frameBytes];
        private int[] _actions = new int[8];
        private float[] _rewards = new float[8];
        private byte[] _flags = new byte[8];
        private int _entries;

        public void Begin(FrameReplayBuffer buffer)
        {
            buffer._position.CopyTo(_position, 0);
            buffer._filled.CopyTo(_filled, 0);
            buffer._pending.CopyTo(_pending, 0);
            (_padding, _count, _entries) = (buffer._padding, buffer._count, 0);
        }

        public void Remember(int slot, FrameReplayBuffer buffer)
        {
            if (_entries == _slots.Length)
            {
                int size = _entries * 2;
                Array.Resize(ref _slots, size);
                Array.Resize(ref _frames, size * frameBytes);
                Array.Resize(ref _actions, size);
                Array.Resize(ref _rewards, size);
                Array.Resize(ref _flags, size);
            }
            int e = _entries++;
            _slots[e] = slot;
            buffer.Frame(slot).CopyTo(_frames.AsSpan(e * frameBytes, frameBytes));
            _actions[e] = buffer._actions[slot];
            _rewards[e] = buffer._rewards[slot];
            _flags[e] = buffer._flags[slot];
        }

        /// <summary>Writes the old contents back, newest first, and the counters.</summary>
        public void Undo(FrameReplayBuffer buffer)
        {
            for (int e = _entries - 1; e >= 0; e--)
            {
                int slot = _slots[e];
                _frames.AsSpan(e * frameBytes, frameBytes).CopyTo(buffer.Frame(slot));
                buffer._actions[slot] = _actions[e];
                buffer._rewards[slot] = _rewards[e];
                buffer._flags[slot] = _flags[e];
            }
            _position.CopyTo(buffer._position, 0);
            _filled.CopyTo(buffer._filled, 0);
            _pending.CopyTo(buffer._pending, 0);
            (buffer._padding, buffer._count, _entries) = (_padding, _count, 0);
        }
    }

    /// <inheritdoc/>
    public void Sample(SeededRandom random, ReplayBatch batch)
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("Cannot sample from an empty replay buffer.");
        }
        int totalFilled = 0;
        for (int e = 0; e < _envCount; e++)
        {
            totalFilled += _filled[e];
        }
        int rows = batch.Actions.Length;
        for (int row = 0; row < rows; row++)
        {
            int slot, envIndex;
            do
            {
                int draw = random.Next(totalFilled);
                envIndex = 0;
                while (draw >= _filled[envIndex])
                {
                    draw -= _filled[envIndex];
                    envIndex++;
                }
                slot = envIndex * _segment + draw;
            }
            while (!CanSample(envIndex, slot));

            Write(slot, row, batch);
        }
    }

    /// <inheritdoc/>
    public void Write(int slot, int row, ReplayBatch batch)
    {
        int envIndex = slot / _segment;
        int steps = StepsFrom(envIndex, slot, out bool terminated);
        int last = slot;
        for (int j = 1; j < steps; j++)
        {
            last = Next(envIndex, last);
        }
        WriteStack(envIndex, slot, batch.Observations.Slice(row * ObservationBytes, ObservationBytes));
        WriteStack(envIndex, Next(envIndex, last), batch.NextObservations.Slice(row * ObservationBytes, ObservationBytes));
        batch.Actions[row] = _actions[slot];
        batch.Rewards[row] = _returns.Return(_rewardScratch.AsSpan(0, steps));
        batch.Dones[row] = terminated ? 1f : 0f;
        batch.Discounts[row] = _returns.Discount(steps);
    }

    /// <summary>
    /// The steps k of the return from the transition at <paramref name="slot"/> (n, or fewer where its episode ended),
    /// with their rewards in the scratch; 0 while the episode goes on and fewer than n steps are taken.
    /// </summary>
    private int StepsFrom(int envIndex, int slot, out bool terminated)
    {
        int walk = slot;
        for (int j = 0; ; j++)
        {
            _rewardScratch[j] = _rewards[walk];
            terminated = (_flags[walk] & IsTerminated) != 0;
            if (terminated || j + 1 == _rewardScratch.Length)
            {
                return j + 1;
            }
            int next = Next(envIndex, walk);
            if ((_flags[next] & IsTransition) == 0)
            {
                // The next slot holds either the current observation of an episode still going (its step not taken
                // yet) or the final observation of an episode truncated there.
                return next == _pending[envIndex] ? 0 : j + 1;
            }
            walk = next;
        }
    }

    private int Next(int envIndex, int slot) => envIndex * _segment + (slot - envIndex * _segment + 1) % _segment;

    private int Previous(int envIndex, int slot) => envIndex * _segment + (slot - envIndex * _segment - 1 + _segment) % _segment;

    /// <summary>How many older slots of this segment still hold data written before <paramref name="slot"/>.</summary>
    private int Age(int envIndex, int slot)
    {
        int relative = slot - envIndex * _segment;
        return _filled[envIndex] < _segment ? relative : (relative - _position[envIndex] + _segment) % _segment;
    }

    /// <summary>A transition whose frames back to its episode start (or a full stack) are still in the buffer, and whose steps are all taken.</summary>
    private bool CanSample(int envIndex, int slot)
    {
        if ((_flags[slot] & IsTransition) == 0 || (_returns.Steps > 1 && StepsFrom(envIndex, slot, out _) == 0))
        {
            return false;
        }
        int age = Age(envIndex, slot);
        int walk = slot;
        for (int back = 1; back < _stack; back++)
        {
            if ((_flags[walk] & IsEpisodeStart) != 0)
            {
                return true;
            }
            if (back > age)
            {
                return false;
            }
            walk = Previous(envIndex, walk);
        }
        return true;
    }

    /// <summary>Writes the stack whose newest frame is at <paramref name="slot"/>, oldest frame first.</summary>
    private void WriteStack(int envIndex, int slot, Span<byte> destination)
    {
        int walk = slot;
        bool padding = false;
        for (int f = _stack - 1; f >= 0; f--)
        {
            var target = destination.Slice(f * _frameBytes, _frameBytes);
            if (padding && _padding == Padding.Zeros)
            {
                target.Clear();
                continue;
            }
            Frame(walk).CopyTo(target);
            if (!padding && (_flags[walk] & IsEpisodeStart) != 0)
            {
                padding = true;
            }
            else if (!padding)
            {
                walk = Previous(envIndex, walk);
            }
        }
    }

    /// <inheritdoc/>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Capacity);
        writer.Write(ObservationBytes);
        writer.Write(_envCount);
        writer.Write((byte)_padding);
        writer.Write(_count);
        for (int e = 0; e < _envCount; e++)
        {
            writer.Write(_position[e]);
            writer.Write(_filled[e]);
            writer.Write(_pending[e]);
            for (int s = 0; s < _filled[e]; s++)
            {
                int slot = e * _segment + s;
                writer.Write(Frame(slot));
                writer.Write(_actions[slot]);
                writer.Write(_rewards[slot]);
                writer.Write(_flags[slot]);
            }
        }
    }

    /// <inheritdoc/>
    public void Load(BinaryReader reader)
    {
        int capacity = reader.ReadInt32();
        int observationBytes = reader.ReadInt32();
        int envCount = reader.ReadInt32();
        if (capacity != Capacity || observationBytes != ObservationBytes || envCount != _envCount)
        {
            throw new InvalidDataException(
                $"Frame replay mismatch: saved {capacity} slots x {observationBytes} bytes for {envCount} envs, this buffer is {Capacity} x {ObservationBytes} for {_envCount}.");
        }
        _padding = (Padding)reader.ReadByte();
        _count = reader.ReadInt32();
        for (int e = 0; e < _envCount; e++)
        {
            _position[e] = reader.ReadInt32();
            _filled[e] = reader.ReadInt32();
            _pending[e] = reader.ReadInt32();
            if (_filled[e] < 0 || _filled[e] > _segment || _position[e] < 0 || _position[e] >= _segment)
            {
                throw new InvalidDataException($"Frame replay header for env {e} is corrupt.");
            }
            for (int s = 0; s < _filled[e]; s++)
            {
                int slot = e * _segment + s;
                reader.BaseStream.ReadExactly(Frame(slot));
                _actions[slot] = reader.ReadInt32();
                _rewards[slot] = reader.ReadSingle();
                _flags[slot] = reader.ReadByte();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_frames != null)
        {
            NativeMemory.Free(_frames);
            _frames = null;
        }
    }
}
