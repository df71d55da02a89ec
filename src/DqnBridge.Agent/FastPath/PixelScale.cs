using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DqnBridge.Agent.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// Pixels as the Nature CNN reads them: each byte as float32 divided by 255, in one pass over the frames instead of
/// libtorch's two (conversion, then division). <see cref="Table"/> holds the 256 values as libtorch's own conversion and
/// division compute them (what <see cref="QNetwork.forward"/> runs); <see cref="Scale"/> divides in SIMD lanes, which
/// IEEE 754 rounds as one division each, and PixelScaleTests holds it equal to the table for every byte.
/// </summary>
internal static class PixelScale
{
    /// <summary>Each byte's scaled value.</summary>
    public static readonly float[] Table = ComputeTable();

    private static float[] ComputeTable()
    {
        using var stop = 256.ToScalar();
        using var bytes = arange(stop, ScalarType.Byte);
        using var scaled = bytes.to_type(ScalarType.Float32).div_(QNetwork.ByteScale);
        return MemoryMarshal.Cast<byte, float>(scaled.bytes).ToArray();
    }

    /// <summary>Writes each of <paramref name="pixels"/> scaled into <paramref name="destination"/> (of the same length).</summary>
    public static void Scale(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        if (destination.Length != pixels.Length)
        {
            throw new ArgumentException($"{pixels.Length} pixels need as many floats, got {destination.Length}.", nameof(destination));
        }
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var divisor = Vector256.Create(255f);
            ref byte source = ref MemoryMarshal.GetReference(pixels);
            ref float target = ref MemoryMarshal.GetReference(destination);
            for (; i <= pixels.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var bytes = Vector256.LoadUnsafe(ref source, (nuint)i);
                var (low, high) = Vector256.Widen(bytes);
                var (first, second) = Vector256.Widen(low);
                var (third, fourth) = Vector256.Widen(high);
                int step = Vector256<float>.Count;
                (Vector256.ConvertToSingle(first.AsInt32()) / divisor).StoreUnsafe(ref target, (nuint)i);
                (Vector256.ConvertToSingle(second.AsInt32()) / divisor).StoreUnsafe(ref target, (nuint)(i + step));
                (Vector256.ConvertToSingle(third.AsInt32()) / divisor).StoreUnsafe(ref target, (nuint)(i + 2 * step));
                (Vector256.ConvertToSingle(fourth.AsInt32()) / divisor).StoreUnsafe(ref target, (nuint)(i + 3 * step));
            }
        }
        var table = Table;
        for (; i < pixels.Length; i++)
        {
            destination[i] = table[pixels[i]];
        }
    }
}
