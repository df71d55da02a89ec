namespace DqnBridge.Agent.Replay;

/// <summary>
/// The steps of each environment not yet stored as n-step transitions: per environment, up to n (observation, action,
/// reward) entries of its current episode, oldest first. Environments never share a queue, and a queue is emptied when
/// its episode ends, so a return never mixes environments or episodes (a vector env's autoreset starts a fresh queue).
/// Part of the replay buffer's checkpoint.
/// </summary>
public sealed class NStepQueues
{
    private readonly int _steps;
    private readonly int _observationBytes;
    private readonly byte[] _observations;
    private readonly int[] _actions;
    private readonly float[] _rewards;
    private readonly int[] _start;
    private readonly int[] _count;

    /// <summary>Queues of up to <paramref name="steps"/> entries for <paramref name="envCount"/> environments.</summary>
    public NStepQueues(int envCount, int steps, int observationBytes)
    {
        _steps = steps;
        _observationBytes = observationBytes;
        _observations = new byte[(long)envCount * steps * observationBytes];
        _actions = new int[envCount * steps];
        _rewards = new float[envCount * steps];
        _start = new int[envCount];
        _count = new int[envCount];
    }

    /// <summary>Bytes the queues of <paramref name="envCount"/> environments hold: n entries of an observation, an action and a reward each.</summary>
    public static long BytesFor(int envCount, int steps, int observationBytes) => (long)envCount * steps * (observationBytes + sizeof(int) + sizeof(float));

    /// <summary>Entries waiting in environment <paramref name="envIndex"/>'s queue.</summary>
    public int Count(int envIndex) => _count[envIndex];

    private int Entry(int envIndex, int i) => envIndex * _steps + (_start[envIndex] + i) % _steps;

    /// <summary>Appends a step; the caller has emptied a full queue first. Returns the space for its observation.</summary>
    public Span<byte> Push(int envIndex, int action, float reward)
    {
        if (_count[envIndex] == _steps)
        {
            throw new InvalidOperationException($"The n-step queue of env {envIndex} is full; store its oldest step first.");
        }
        int entry = Entry(envIndex, _count[envIndex]);
        _count[envIndex]++;
        _actions[entry] = action;
        _rewards[entry] = reward;
        return _observations.AsSpan(entry * _observationBytes, _observationBytes);
    }

    /// <summary>The observation of entry <paramref name="i"/> (0 the oldest).</summary>
    public ReadOnlySpan<byte> Observation(int envIndex, int i) => _observations.AsSpan(Entry(envIndex, i) * _observationBytes, _observationBytes);

    /// <summary>The action of entry <paramref name="i"/>.</summary>
    public int Action(int envIndex, int i) => _actions[Entry(envIndex, i)];

    /// <summary>Copies the rewards from entry 0 on into <paramref name="destination"/> (as many as it holds).</summary>
    public void CopyRewards(int envIndex, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = _rewards[Entry(envIndex, i)];
        }
    }

    /// <summary>Drops the oldest entry.</summary>
    public void PopOldest(int envIndex)
    {
        _start[envIndex] = (_start[envIndex] + 1) % _steps;
        _count[envIndex]--;
    }

    /// <summary>Makes <paramref name="destination"/> (queues of the same shape) hold what these hold, without allocating.</summary>
    public void CopyTo(NStepQueues destination)
    {
        _observations.CopyTo(destination._observations, 0);
        _actions.CopyTo(destination._actions, 0);
        _rewards.CopyTo(destination._rewards, 0);
        _start.CopyTo(destination._start, 0);
        _count.CopyTo(destination._count, 0);
    }

    /// <summary>Writes every queue, oldest entry first.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(_count.Length);
        writer.Write(_steps);
        writer.Write(_observationBytes);
        for (int e = 0; e < _count.Length; e++)
        {
            writer.Write(_count[e]);
            for (int i = 0; i < _count[e]; i++)
            {
                writer.Write(Observation(e, i));
                writer.Write(Action(e, i));
                writer.Write(_rewards[Entry(e, i)]);
            }
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(BinaryReader reader)
    {
        int envCount = reader.ReadInt32();
        int steps = reader.ReadInt32();
        int observationBytes = reader.ReadInt32();
        if (envCount != _count.Length || steps != _steps || observationBytes != _observationBytes)
        {
            throw new InvalidDataException(
                $"n-step queues mismatch: saved {envCount} envs x {steps} steps x {observationBytes} bytes, this run has {_count.Length} x {_steps} x {_observationBytes}.");
        }
        for (int e = 0; e < envCount; e++)
        {
            int count = reader.ReadInt32();
            if (count < 0 || count > _steps)
            {
                throw new InvalidDataException($"n-step queue of env {e} is corrupt ({count} entries).");
            }
            _start[e] = 0;
            _count[e] = 0;
            for (int i = 0; i < count; i++)
            {
                // Push checks the count; the observation goes into the space it returns.
                var observation = new byte[_observationBytes];
                reader.BaseStream.ReadExactly(observation);
                int action = reader.ReadInt32();
                float reward = reader.ReadSingle();
                observation.CopyTo(Push(e, action, reward));
            }
        }
    }
}
