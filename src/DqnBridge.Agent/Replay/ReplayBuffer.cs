using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// CleanRL's replay buffer for vector observations: observation and next observation stored per
/// transition in flat preallocated arrays (float32, or bytes for uint8 observations). With n-step
/// returns each environment's steps wait in <see cref="NStepQueues"/> until n of them are taken (or the
/// episode ends), then go in as one transition from the first observation to the one k steps on.
/// </summary>
public sealed class ReplayBuffer : IReplayBuffer
{
    private readonly BoxSpace _space;
    private readonly byte[] _observations;
    private readonly byte[] _nextObservations;
    private readonly int[] _actions;
    private readonly float[] _rewards;
    private readonly bool[] _terminated;
    private readonly byte[] _steps; // k of each transition's k-step return
    private readonly NStepReturns _returns;
    private readonly NStepQueues? _queues; // null for one-step returns, which go in at once
    private readonly float[] _rewardScratch;
    private readonly int _envCount;
    private int _position;
    private int _count;

    // What the Adds since BeginStep overwrote (slot, then its old content) and the n-step queues as they were, for
    // UndoStep; null before any BeginStep.
    private StepJournal? _journal;

    /// <summary>A buffer of <paramref name="capacity"/> one-step transitions of observations from <paramref name="observationSpace"/>.</summary>
    public ReplayBuffer(int capacity, BoxSpace observationSpace)
        : this(capacity, observationSpace, envCount: 1, NStepReturns.OneStep)
    {
    }

    /// <summary>A buffer of <paramref name="capacity"/> transitions of <paramref name="returns"/>' steps, from <paramref name="envCount"/> environments.</summary>
    public ReplayBuffer(int capacity, BoxSpace observationSpace, int envCount, NStepReturns returns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _space = observationSpace;
        Capacity = capacity;
        InputType = NetworkInput.TypeOf(observationSpace);
        ObservationBytes = observationSpace.ElementCount * InputType.Size();
        if ((long)capacity * ObservationBytes > Array.MaxLength)
        {
            throw new ArgumentException(
                $"buffer_size {capacity} x {ObservationBytes} bytes per observation exceeds one array; "
                + "pixel observations need the frame buffer (wrappers: Atari or CarRacing) or a smaller buffer_size.");
        }
        _observations = new byte[(long)capacity * ObservationBytes];
        _nextObservations = new byte[(long)capacity * ObservationBytes];
        _actions = new int[capacity];
        _rewards = new float[capacity];
        _terminated = new bool[capacity];
        _steps = new byte[capacity];
        _returns = returns;
        _envCount = envCount;
        _queues = returns.Steps > 1 ? new NStepQueues(envCount, returns.Steps, ObservationBytes) : null;
        _rewardScratch = new float[returns.Steps];
    }

    /// <inheritdoc/>
    public ElementType InputType { get; }
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
    public long MemoryBytes =>
        _observations.LongLength + _nextObservations.LongLength + _actions.Length * 4L + _rewards.Length * 4L + _terminated.Length + _steps.Length
        + (_queues is null ? 0 : NStepQueues.BytesFor(_envCount, _returns.Steps, ObservationBytes));

    /// <inheritdoc/>
    public void Add(int envIndex, ReadOnlySpan<byte> observation, ReadOnlySpan<byte> nextObservation, int action, float reward, bool terminated, bool truncated)
    {
        if (_queues is null)
        {
            RememberPosition();
            ConvertInto(observation, _observations.AsSpan(_position * ObservationBytes, ObservationBytes));
            _rewardScratch[0] = reward;
            Store(action, 1, nextObservation, terminated);
            return;
        }
        ConvertInto(observation, _queues.Push(envIndex, action, reward));
        if (terminated || truncated)
        {
            // The episode is over: every step still queued goes in, bootstrapping (unless terminated) from its final observation.
            while (_queues.Count(envIndex) > 0)
            {
                StoreOldest(envIndex, nextObservation, terminated);
            }
        }
        else if (_queues.Count(envIndex) == _returns.Steps)
        {
            StoreOldest(envIndex, nextObservation, terminated: false);
        }
    }

    /// <inheritdoc/>
    public void TruncateEpisodes(ReadOnlySpan<byte> currentObservations)
    {
        for (int e = 0; _queues is not null && e < _envCount; e++)
        {
            var current = currentObservations.Slice(e * _space.ByteSize, _space.ByteSize);
            while (_queues.Count(e) > 0)
            {
                StoreOldest(e, current, terminated: false);
            }
        }
    }

    /// <summary>Stores the oldest queued step of an environment as a transition of all its queued steps, and drops it from the queue.</summary>
    private void StoreOldest(int envIndex, ReadOnlySpan<byte> nextObservation, bool terminated)
    {
        int steps = _queues!.Count(envIndex);
        RememberPosition();
        _queues.Observation(envIndex, 0).CopyTo(_observations.AsSpan(_position * ObservationBytes, ObservationBytes));
        _queues.CopyRewards(envIndex, _rewardScratch.AsSpan(0, steps));
        Store(_queues.Action(envIndex, 0), steps, nextObservation, terminated);
        _queues.PopOldest(envIndex);
    }

    /// <summary>Keeps what the slot about to be written holds, for <see cref="UndoStep"/>, when it holds a transition.</summary>
    private void RememberPosition()
    {
        if (_journal is not null && _position < _count)
        {
            _journal.Remember(_position, this);
        }
    }

    /// <summary>Completes the transition whose observation is already at the write position: next observation, action, the return of its <paramref name="steps"/> rewards (in the scratch), done flag.</summary>
    private void Store(int action, int steps, ReadOnlySpan<byte> nextObservation, bool terminated)
    {
        ConvertInto(nextObservation, _nextObservations.AsSpan(_position * ObservationBytes, ObservationBytes));
        _actions[_position] = action;
        _rewards[_position] = _returns.Return(_rewardScratch.AsSpan(0, steps));
        _terminated[_position] = terminated;
        _steps[_position] = (byte)steps;
        SlotObserver?.OnSampleable(_position);
        _position = (_position + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    /// <inheritdoc/>
    public void BeginStep()
    {
        _journal ??= new StepJournal(ObservationBytes, _queues is null ? null : new NStepQueues(_envCount, _returns.Steps, ObservationBytes));
        _journal.Begin(_position, _count, _queues);
    }

    /// <inheritdoc/>
    public void UndoStep()
    {
        if (_journal is null)
        {
            throw new InvalidOperationException("UndoStep without BeginStep.");
        }
        (_position, _count) = _journal.Undo(this, _queues);
    }

    /// <summary>The slots overwritten since <see cref="BeginStep"/>, with their old content, and the n-step queues as they were then.</summary>
    private sealed class StepJournal(int observationBytes, NStepQueues? queuesBefore)
    {
        private int[] _slots = new int[4];
        private byte[] _observations = new byte[4 * observationBytes];
        private byte[] _nextObservations = new byte[4 * observationBytes];
        private int[] _actions = new int[4];
        private float[] _rewards = new float[4];
        private bool[] _terminated = new bool[4];
        private byte[] _steps = new byte[4];
        private int _entries;
        private int _position;
        private int _count;

        public void Begin(int position, int count, NStepQueues? queues)
        {
            (_entries, _position, _count) = (0, position, count);
            queues?.CopyTo(queuesBefore!);
        }

        public void Remember(int slot, ReplayBuffer buffer)
        {
            if (_entries == _slots.Length)
            {
                int size = _entries * 2;
                Array.Resize(ref _slots, size);
                Array.Resize(ref _observations, size * observationBytes);
                Array.Resize(ref _nextObservations, size * observationBytes);
                Array.Resize(ref _actions, size);
                Array.Resize(ref _rewards, size);
                Array.Resize(ref _terminated, size);
                Array.Resize(ref _steps, size);
            }
            int e = _entries++;
            _slots[e] = slot;
            buffer._observations.AsSpan(slot * observationBytes, observationBytes).CopyTo(_observations.AsSpan(e * observationBytes));
            buffer._nextObservations.AsSpan(slot * observationBytes, observationBytes).CopyTo(_nextObservations.AsSpan(e * observationBytes));
            _actions[e] = buffer._actions[slot];
            _rewards[e] = buffer._rewards[slot];
            _terminated[e] = buffer._terminated[slot];
            _steps[e] = buffer._steps[slot];
        }

        /// <summary>Writes the old contents and queues back, newest first; returns the position and count at Begin.</summary>
        public (int Position, int Count) Undo(ReplayBuffer buffer, NStepQueues? queues)
        {
            for (int e = _entries - 1; e >= 0; e--)
            {
                int slot = _slots[e];
                _observations.AsSpan(e * observationBytes, observationBytes).CopyTo(buffer._observations.AsSpan(slot * observationBytes));
                _nextObservations.AsSpan(e * observationBytes, observationBytes).CopyTo(buffer._nextObservations.AsSpan(slot * observationBytes));
                buffer._actions[slot] = _actions[e];
                buffer._rewards[slot] = _rewards[e];
                buffer._terminated[slot] = _terminated[e];
                buffer._steps[slot] = _steps[e];
            }
            queuesBefore?.CopyTo(queues!);
            _entries = 0;
            return (_position, _count);
        }
    }

    /// <inheritdoc/>
    public void Sample(SeededRandom random, ReplayBatch batch)
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("Cannot sample from an empty replay buffer.");
        }
        int rows = batch.Actions.Length;
        for (int row = 0; row < rows; row++)
        {
            Write(random.Next(_count), row, batch);
        }
    }

    /// <inheritdoc/>
    public void Write(int slot, int row, ReplayBatch batch)
    {
        _observations.AsSpan(slot * ObservationBytes, ObservationBytes).CopyTo(batch.Observations.Slice(row * ObservationBytes, ObservationBytes));
        _nextObservations.AsSpan(slot * ObservationBytes, ObservationBytes).CopyTo(batch.NextObservations.Slice(row * ObservationBytes, ObservationBytes));
        batch.Actions[row] = _actions[slot];
        batch.Rewards[row] = _rewards[slot];
        batch.Dones[row] = _terminated[slot] ? 1f : 0f;
        batch.Discounts[row] = _returns.Discount(_steps[slot]);
    }

    /// <summary>Converts one raw observation (any element type of the space) into the stored element type.</summary>
    private void ConvertInto(ReadOnlySpan<byte> raw, Span<byte> stored)
    {
        if (raw.Length != _space.ByteSize)
        {
            throw new ArgumentException($"An observation of {_space} has {_space.ByteSize} bytes, got {raw.Length}.");
        }
        if (InputType == _space.Dtype)
        {
            raw.CopyTo(stored);
        }
        else
        {
            NetworkInput.ToFloats(_space.Dtype, raw, MemoryMarshal.Cast<byte, float>(stored));
        }
    }

    /// <inheritdoc/>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Capacity);
        writer.Write(ObservationBytes);
        writer.Write(_position);
        writer.Write(_count);
        writer.Write(_observations, 0, _count * ObservationBytes);
        writer.Write(_nextObservations, 0, _count * ObservationBytes);
        writer.Write(MemoryMarshal.AsBytes(_actions.AsSpan(0, _count)));
        writer.Write(MemoryMarshal.AsBytes(_rewards.AsSpan(0, _count)));
        writer.Write(MemoryMarshal.AsBytes(_terminated.AsSpan(0, _count)));
        // One-step buffers write nothing more: their checkpoints keep the layout they always had.
        if (_queues is not null)
        {
            writer.Write(_steps, 0, _count);
            _queues.Save(writer);
        }
    }

    /// <inheritdoc/>
    public void Load(BinaryReader reader)
    {
        int capacity = reader.ReadInt32();
        int observationBytes = reader.ReadInt32();
        if (capacity != Capacity || observationBytes != ObservationBytes)
        {
            throw new InvalidDataException(
                $"Replay buffer mismatch: saved capacity {capacity} x {observationBytes} bytes, this buffer is {Capacity} x {ObservationBytes}.");
        }
        int position = reader.ReadInt32();
        int count = reader.ReadInt32();
        if (count < 0 || count > Capacity || position < 0 || position >= Capacity)
        {
            throw new InvalidDataException($"Replay buffer header is corrupt (position {position}, count {count}, capacity {Capacity}).");
        }
        var stream = reader.BaseStream;
        stream.ReadExactly(_observations.AsSpan(0, count * ObservationBytes));
        stream.ReadExactly(_nextObservations.AsSpan(0, count * ObservationBytes));
        stream.ReadExactly(MemoryMarshal.AsBytes(_actions.AsSpan(0, count)));
        stream.ReadExactly(MemoryMarshal.AsBytes(_rewards.AsSpan(0, count)));
        stream.ReadExactly(MemoryMarshal.AsBytes(_terminated.AsSpan(0, count)));
        if (_queues is null)
        {
            _steps.AsSpan(0, count).Fill(1);
        }
        else
        {
            stream.ReadExactly(_steps.AsSpan(0, count));
            _queues.Load(reader);
        }
        _position = position;
        _count = count;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
