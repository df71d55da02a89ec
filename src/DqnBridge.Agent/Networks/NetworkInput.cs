using System.Runtime.InteropServices;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Networks;

/// <summary>What the network reads: uint8 observations stay bytes (pixels), every other element type becomes float32.</summary>
internal static class NetworkInput
{
    public static ElementType TypeOf(BoxSpace observationSpace) =>
        observationSpace.Dtype == ElementType.UInt8 ? ElementType.UInt8 : ElementType.Float32;

    /// <summary>The first <c>destination.Length</c> elements of a raw observation of <paramref name="type"/>, as float32.</summary>
    public static void ToFloats(ElementType type, ReadOnlySpan<byte> raw, Span<float> destination)
    {
        switch (type)
        {
            case ElementType.Float32:
                MemoryMarshal.Cast<byte, float>(raw)[..destination.Length].CopyTo(destination);
                break;
            case ElementType.Float64:
                var doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)doubles[i];
                }
                break;
            case ElementType.UInt8:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = raw[i];
                }
                break;
            case ElementType.Int64:
                var longs = MemoryMarshal.Cast<byte, long>(raw);
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = longs[i];
                }
                break;
        }
    }
}
