using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// CleanRL's replay buffer for vector observations: observation and next observation stored per
/// transition in flat preallocated arrays (float32, or bytes for uint8 observations).
/// </summary>
public sealed class ReplayBuffer : IReplayBuffer
{
    private readonly BoxSpace _space;
    private readonly byte[] _observations;
    private readonly byte[] _nextObservations;
    private readonly int[] _actions;
    private readonly float[] _rewards;
    private readonly bool[] _terminated;
    private int _position;
    private int _count;

    // What the Adds since BeginStep overwrote (slot, then its old content), for UndoStep; null before any BeginStep.
    private StepJournal? _journal;

    /// <summary>A buffer of <paramref name="capacity"/> transitions of observations from <paramref name="observationSpace"/>.</summary>
    public ReplayBuffer(int capacity, BoxSpace observationSpace)
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
    public long MemoryBytes =>
        _observations.LongLength + _nextObservations.LongLength + _actions.Length * 4L + _rewards.Length * 4L + _terminated.Length;

    /// <inheritdoc/>
    public void Add(int envIndex, ReadOnlySpan<byte> observation, ReadOnlySpan<byte> nextObservation, int action, float reward, bool terminated, bool truncated)
    {
        if (_journal is not null && _position < _count)
        {
            _journal.Remember(_position, this);
        }
        ConvertInto(observation, _observations.AsSpan(_position * ObservationBytes, ObservationBytes));
        ConvertInto(nextObservation, _nextObservations.AsSpan(_position * ObservationBytes, ObservationBytes));
        _actions[_position] = action;
        _rewards[_position] = reward;
        _terminated[_position] = terminated;
        _position = (_position + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    /// <inheritdoc/>
    public void BeginStep()
    {
        _journal ??= new StepJournal(ObservationBytes);
        _journal.Begin(_position, _count);
    }

    /// <inheritdoc/>
    public void UndoStep()
    {
        if (_journal is null)
        {
            throw new InvalidOperationException("UndoStep without BeginStep.");
        }
        (_position, _count) = _journal.Undo(this);
    }

    /// <summary>The slots overwritten since <see cref="BeginStep"/>, with their old content.</summary>
    private sealed class StepJournal(int observationBytes)
    {
        private int[] _slots = new int[4];
        private byte[] _observations = new byte[4 * observationBytes];
        private byte[] _nextObservations = new byte[4 * observationBytes];
        private int[] _actions = new int[4];
        private float[] _rewards = new float[4];
        private bool[] _terminated = new bool[4];
        private int _entries;
        private int _position;
        private int _count;

        public void Begin(int position, int count) => (_entries, _position, _count) = (0, position, count);

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
            }
            int e = _entries++;
            _slots[e] = slot;
            buffer._observations.AsSpan(slot * observationBytes, observationBytes).CopyTo(_observations.AsSpan(e * observationBytes));
            buffer._nextObservations.AsSpan(slot * observationBytes, observationBytes).CopyTo(_nextObservations.AsSpan(e * observationBytes));
            _actions[e] = buffer._actions[slot];
            _rewards[e] = buffer._rewards[slot];
            _terminated[e] = buffer._terminated[slot];
        }

        /// <summary>Writes the old contents back, newest first; returns the position and count at Begin.</summary>
        public (int Position, int Count) Undo(ReplayBuffer buffer)
        {
            for (int e = _entries - 1; e >= 0; e--)
            {
                int slot = _slots[e];
                _observations.AsSpan(e * observationBytes, observationBytes).CopyTo(buffer._observations.AsSpan(slot * observationBytes));
                _nextObservations.AsSpan(e * observationBytes, observationBytes).CopyTo(buffer._nextObservations.AsSpan(slot * observationBytes));
                buffer._actions[slot] = _actions[e];
                buffer._rewards[slot] = _rewards[e];
                buffer._terminated[slot] = _terminated[e];
            }
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
            int index = random.Next(_count);
            _observations.AsSpan(index * ObservationBytes, ObservationBytes).CopyTo(batch.Observations.Slice(row * ObservationBytes, ObservationBytes));
            _nextObservations.AsSpan(index * ObservationBytes, ObservationBytes).CopyTo(batch.NextObservations.Slice(row * ObservationBytes, ObservationBytes));
            batch.Actions[row] = _actions[index];
            batch.Rewards[row] = _rewards[index];
            batch.Dones[row] = _terminated[index] ? 1f : 0f;
        }
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
        _position = position;
        _count = count;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
