using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// A contiguous float32 CPU tensor with its memory's address read once, so the hot loop reaches it as a span without
/// asking libtorch again. The tensor must not be resized or replaced while this exists (parameters are changed in
/// place; the fast path's buffers are allocated once). Disposes the tensor only when it owns it.
/// </summary>
internal sealed unsafe class FloatMemory(Tensor tensor, bool owned = false) : IDisposable
{
    private readonly float* _data = Address(tensor);
    private readonly int _length = checked((int)tensor.NumberOfElements);

    /// <summary>The tensor.</summary>
    public Tensor Tensor { get; } = tensor;

    /// <summary>Its elements.</summary>
    public Span<float> Span => new(_data, _length);

    private static float* Address(Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU || tensor.dtype != ScalarType.Float32 || !tensor.is_contiguous())
        {
            throw new ArgumentException("FloatMemory takes contiguous float32 CPU tensors.", nameof(tensor));
        }
        fixed (byte* data = tensor.bytes)
        {
            return (float*)data;
        }
    }

    public void Dispose()
    {
        if (owned)
        {
            Tensor.Dispose();
        }
    }
}
