using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// The actions of steps FirstStep to Steps - 1 (counted from the last reset), one row of NumEnvs per step, stored as
/// action - start in one byte (up to 256 actions) or eight. Earlier rows are dropped once no restore needs them.
/// </summary>
internal sealed class ActionHistory(int numEnvs, DiscreteSpace space)
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

    public void Append(ReadOnlySpan<int> actions)
    {
        long needed = _length + actions.Length;
        if (_wide)
        {
            if (needed > _wideValues.Length)
            {
                Array.Resize(ref _wideValues, (int)Math.Max(needed, Math.Max(1024, _wideValues.Length * 2L)));
            }

            for (int i = 0; i < actions.Length; i++)
            {
                _wideValues[_length + i] = actions[i] - space.Start;
            }
        }
        else
        {
            if (needed > _narrow.Length)
            {
                Array.Resize(ref _narrow, (int)Math.Max(needed, Math.Max(1024, _narrow.Length * 2L)));
            }

            for (int i = 0; i < actions.Length; i++)
            {
                _narrow[_length + i] = (byte)(actions[i] - space.Start);
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

    /// <summary>Forgets the last step's actions (a step whose results were not kept).</summary>
    public void DropLastStep()
    {
        if (_length < numEnvs)
        {
            throw new InvalidOperationException($"no step after step {FirstStep} to drop");
        }
        _length -= numEnvs;
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

    public void Read(BinaryReader reader)
    {
        bool savedWide = reader.ReadBoolean();
        long firstStep = reader.ReadInt64();
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
