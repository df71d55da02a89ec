using System.Numerics;

namespace DqnBridge.Envs.Native;

/// <summary>
/// NumPy's <c>SeedSequence</c>: turns an integer seed into well-mixed state words. Reproduced so that
/// <c>np.random.default_rng(seed)</c>, which Gymnasium's <c>reset(seed=...)</c> uses, can be matched exactly.
/// </summary>
public static class NumpySeedSequence
{
    const int PoolSize = 4;
    const uint InitA = 0x43b0d7e5;
    const uint MultA = 0x931e8875;
    const uint InitB = 0x8b51f9dd;
    const uint MultB = 0x58f38ded;
    const uint MixMultL = 0xca01f9dd;
    const uint MixMultR = 0x4973f715;
    const int XShift = 16;

    /// <summary>The entropy pool for a non-negative integer seed (no spawn key).</summary>
    public static uint[] EntropyPool(BigInteger seed)
    {
        if (seed.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "NumPy seeds must be non-negative.");
        }

        uint[] entropy = ToUInt32Words(seed);
        var pool = new uint[PoolSize];
        uint hashConst = InitA;
        for (int i = 0; i < PoolSize; i++)
        {
            pool[i] = HashMix(i < entropy.Length ? entropy[i] : 0u, ref hashConst);
        }
        for (int source = 0; source < PoolSize; source++)
        {
            for (int destination = 0; destination < PoolSize; destination++)
            {
                if (source != destination)
                {
                    pool[destination] = Mix(pool[destination], HashMix(pool[source], ref hashConst));
                }
            }
        }
        for (int source = PoolSize; source < entropy.Length; source++)
        {
            for (int destination = 0; destination < PoolSize; destination++)
            {
                pool[destination] = Mix(pool[destination], HashMix(entropy[source], ref hashConst));
            }
        }
        return pool;
    }

    /// <summary><c>SeedSequence.generate_state(count, np.uint64)</c>.</summary>
    public static ulong[] GenerateState64(uint[] pool, int count)
    {
        var words = new uint[count * 2];
        uint hashConst = InitB;
        for (int i = 0; i < words.Length; i++)
        {
            uint value = pool[i % pool.Length] ^ hashConst;
            hashConst *= MultB;
            value *= hashConst;
            value ^= value >> XShift;
            words[i] = value;
        }
        var _state = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            _state[i] = words[2 * i] | (ulong)words[2 * i + 1] << 32;
        }

        return _state;
    }

    static uint HashMix(uint value, ref uint hashConst)
    {
        value ^= hashConst;
        hashConst *= MultA;
        value *= hashConst;
        value ^= value >> XShift;
        return value;
    }

    static uint Mix(uint x, uint y)
    {
        uint result = MixMultL * x - MixMultR * y;
        return result ^ (result >> XShift);
    }

    /// <summary>32-bit words, least significant first; zero is one word, as NumPy coerces it.</summary>
    static uint[] ToUInt32Words(BigInteger value)
    {
        var words = new List<uint>();
        do
        {
            words.Add((uint)(value & uint.MaxValue));
            value >>= 32;
        }
        while (value > 0);
        return words.ToArray();
    }
}

/// <summary>
/// NumPy's PCG64 bit generator (128-bit LCG with the XSL-RR output function) and the
/// <c>Generator.random</c>/<c>uniform</c> draws Gymnasium's classic-control resets use.
/// </summary>
public sealed class Pcg64
{
    static readonly UInt128 Multiplier = new(0x2360ED051FC65DA4UL, 0x4385DF649FCCF645UL);

    UInt128 _state;
    UInt128 _increment;

    Pcg64(UInt128 state, UInt128 increment)
    {
        _state = state;
        _increment = increment;
    }

    /// <summary><c>np.random.PCG64(np.random.SeedSequence(seed))</c>.</summary>
    public static Pcg64 FromSeed(BigInteger seed)
    {
        ulong[] words = NumpySeedSequence.GenerateState64(NumpySeedSequence.EntropyPool(seed), 4);
        var initialState = new UInt128(words[0], words[1]);
        var sequence = new UInt128(words[2], words[3]);
        var generator = new Pcg64(0, (sequence << 1) | 1);
        generator.Step();
        generator._state += initialState;
        generator.Step();
        return generator;
    }

    /// <summary>Restores a generator from <see cref="GetState"/>.</summary>
    public static Pcg64 FromState(ReadOnlySpan<ulong> words)
    {
        if (words.Length != 4)
        {
            throw new ArgumentException($"PCG64 state has 4 words, got {words.Length}.", nameof(words));
        }

        return new Pcg64(new UInt128(words[0], words[1]), new UInt128(words[2], words[3]));
    }

    /// <summary>State and increment as four words (high, low, high, low), for checkpoints.</summary>
    public ulong[] GetState()
    {
        var words = new ulong[4];
        CopyStateTo(words);
        return words;
    }

    /// <summary>What <see cref="GetState"/> returns, into <paramref name="words"/> (four), without allocating.</summary>
    public void CopyStateTo(Span<ulong> words) =>
        (words[0], words[1], words[2], words[3]) = ((ulong)(_state >> 64), (ulong)_state, (ulong)(_increment >> 64), (ulong)_increment);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        Step();
        ulong high = (ulong)(_state >> 64);
        ulong low = (ulong)_state;
        int rotation = (int)(_state >> 122);
        return BitOperations.RotateRight(high ^ low, rotation);
    }

    /// <summary>A double in [0, 1) with 53 random bits, as NumPy's <c>next_double</c>.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary><c>Generator.uniform(low, high)</c>: low + (high - low) * next_double.</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    void Step() => _state = _state * Multiplier + _increment;
}
