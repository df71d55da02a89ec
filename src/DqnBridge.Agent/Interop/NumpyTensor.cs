using DqnBridge.Python;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Interop;

/// <summary>NumPy arrays into TorchSharp tensors: one copy from NumPy's memory into the tensor's, no managed array between.</summary>
public static class NumpyTensor
{
    /// <summary>Copies <paramref name="array"/> into <paramref name="destination"/>, a contiguous CPU tensor of the same dtype and element count.</summary>
    public static void CopyInto(NumpyArray array, Tensor destination)
    {
        ScalarType expected = ScalarTypeOf(array.Dtype);
        if (destination.dtype != expected)
        {
            throw new NumpyArrayMismatchException($"The NumPy array is {Numpy.Name(array.Dtype)} but the tensor is {destination.dtype}.");
        }
        if (!destination.is_contiguous() || destination.device_type != DeviceType.CPU)
        {
            throw new ArgumentException("The destination tensor must be a contiguous CPU tensor.", nameof(destination));
        }
        Span<byte> target = destination.bytes;
        if (target.Length != array.ByteLength)
        {
            throw new NumpyArrayMismatchException(
                $"The NumPy array has shape ({string.Join(", ", array.Shape)}) but the tensor has shape ({string.Join(", ", destination.shape)}).");
        }
        array.AsBytes().CopyTo(target);
    }

    /// <summary>A new CPU tensor with the array's shape, dtype and values.</summary>
    public static Tensor ToTensor(NumpyArray array)
    {
        int[] shape = array.Shape;
        Tensor tensor = empty(shape.Select(d => (long)d).ToArray(), ScalarTypeOf(array.Dtype));
        try
        {
            CopyInto(array, tensor);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        return tensor;
    }

    public static ScalarType ScalarTypeOf(NumpyDtype dtype) => dtype switch
    {
        NumpyDtype.Float32 => ScalarType.Float32,
        NumpyDtype.Float64 => ScalarType.Float64,
        NumpyDtype.UInt8 => ScalarType.Byte,
        NumpyDtype.Int64 => ScalarType.Int64,
        NumpyDtype.Bool => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
