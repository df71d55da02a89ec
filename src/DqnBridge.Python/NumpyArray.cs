using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DqnBridge.Python;

/// <summary>The NumPy element types the bridge reads and writes.</summary>
public enum NumpyDtype
{
    Float32,
    Float64,
    UInt8,
    Int64,
    Bool,
}

/// <summary>
/// A C-contiguous NumPy array (or any buffer-protocol exporter) viewed in place through the buffer
/// protocol: no copy until you ask for one. Use and dispose while holding the GIL; the view keeps
/// the array alive and must not outlive the scope. Passing it by value to a method that reads it is
/// fine; copies share one release (<see cref="Ownership"/>), so disposing a second copy throws instead
/// of releasing the buffer twice, and reading through a released copy throws <see cref="ObjectDisposedException"/>.
/// </summary>
public unsafe ref struct NumpyArray
{
    private const int BufferFlags = 0x0004 /* FORMAT */ | 0x0038 /* C_CONTIGUOUS (ND | STRIDES) */;
    private const string OwnerName = nameof(NumpyArray);

    private PyBuffer view;
    private Ownership ownership;

    /// <summary>Views <paramref name="array"/>; it must be C-contiguous.</summary>
    public NumpyArray(PyObject array) : this(array.Reference)
    {
    }

    /// <summary>Views a borrowed object; the view itself keeps the exporter alive.</summary>
    public NumpyArray(BorrowedReference array)
    {
        if (array.IsNull)
        {
            throw Py.FetchError();
        }
        fixed (PyBuffer* p = &view)
        {
            if (CApi.PyObject_GetBuffer(array, p, BufferFlags) != 0)
            {
                throw Py.FetchError();
            }
        }
        ownership = Ownership.Take();
        try
        {
            Dtype = ParseFormat(view.Format, view.ItemSize);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public readonly NumpyDtype Dtype { get; }

    public readonly int Rank => View.NDim;

    public readonly long Dimension(int axis) =>
        (uint)axis < (uint)View.NDim ? View.Shape[axis] : throw new ArgumentOutOfRangeException(nameof(axis));

    /// <summary>The buffer description; throws once this view or a copy of it has been released.</summary>
    [UnscopedRef]
    private readonly ref readonly PyBuffer View
    {
        get
        {
            ownership.ThrowIfReleased(OwnerName);
            return ref view;
        }
    }

    /// <summary>The shape, e.g. (4, 84, 84); allocates, so prefer <see cref="Dimension"/> in hot loops.</summary>
    public readonly int[] Shape
    {
        get
        {
            ref readonly PyBuffer buffer = ref View;
            var shape = new int[buffer.NDim];
            for (int i = 0; i < shape.Length; i++)
            {
                shape[i] = checked((int)buffer.Shape[i]);
            }
            return shape;
        }
    }

    public readonly long ElementCount => View.ItemSize == 0 ? 0 : view.Len / view.ItemSize;

    public readonly long ByteLength => View.Len;

    public readonly bool IsReadOnly => View.ReadOnly != 0;

    /// <summary>The elements in place; <typeparamref name="T"/> must match the dtype (bool for Bool).</summary>
    public readonly ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        return new ReadOnlySpan<T>(view.Buf, checked((int)ElementCount));
    }

    /// <summary>The raw bytes in place.</summary>
    public readonly ReadOnlySpan<byte> AsBytes() => new(View.Buf, checked((int)view.Len));

    /// <summary>Writable elements in place; throws for read-only arrays.</summary>
    public readonly Span<T> AsWritableSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        if (IsReadOnly)
        {
            throw new NumpyArrayMismatchException("The NumPy array is read-only.");
        }
        return new Span<T>(view.Buf, checked((int)ElementCount));
    }

    /// <summary>Copies all elements into <paramref name="destination"/>, which must have exactly that many.</summary>
    public readonly void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        ReadOnlySpan<T> source = AsSpan<T>();
        if (destination.Length != source.Length)
        {
            throw new NumpyArrayMismatchException($"The NumPy array has {source.Length} elements but the destination holds {destination.Length}.");
        }
        source.CopyTo(destination);
    }

    /// <summary>Copies the raw bytes to native memory of <paramref name="byteLength"/> bytes (e.g. a tensor's storage).</summary>
    public readonly void CopyTo(nint destination, long byteLength)
    {
        ref readonly PyBuffer buffer = ref View;
        if (byteLength != buffer.Len)
        {
            throw new NumpyArrayMismatchException($"The NumPy array has {buffer.Len} bytes but the destination holds {byteLength}.");
        }
        Buffer.MemoryCopy(buffer.Buf, (void*)destination, byteLength, byteLength);
    }

    /// <summary>Throws a <see cref="NumpyArrayMismatchException"/> unless dtype and shape are as given.</summary>
    public readonly void Expect(NumpyDtype dtype, ReadOnlySpan<int> shape)
    {
        ref readonly PyBuffer buffer = ref View;
        bool shapeMatches = shape.Length == buffer.NDim;
        for (int i = 0; shapeMatches && i < shape.Length; i++)
        {
            shapeMatches = buffer.Shape[i] == shape[i];
        }
        if (dtype != Dtype || !shapeMatches)
        {
            throw new NumpyArrayMismatchException(
                $"Expected a NumPy array of dtype {Numpy.Name(dtype)} and shape ({string.Join(", ", shape.ToArray())}), " +
                $"got dtype {Numpy.Name(Dtype)} and shape ({string.Join(", ", Shape)}).");
        }
    }

    public void Dispose()
    {
        if (!ownership.IsSet)
        {
            return;
        }
        ownership.ThrowIfReleasedThroughACopy(OwnerName);
        ownership.Release();
        ownership = default;
        fixed (PyBuffer* p = &view)
        {
            CApi.PyBuffer_Release(p);
        }
    }

    private readonly void CheckElementType<T>() where T : unmanaged
    {
        // Bool arrays can be read as bytes too.
        if (Numpy.DtypeOf<T>() != Dtype && !(Dtype == NumpyDtype.Bool && typeof(T) == typeof(byte)))
        {
            throw new NumpyArrayMismatchException($"The NumPy array has dtype {Numpy.Name(Dtype)}, which cannot be read as {typeof(T).Name}.");
        }
    }

    private static NumpyDtype ParseFormat(byte* format, nint itemSize)
    {
        // Struct-module codes; a leading byte-order mark of native or little-endian is fine on x64.
        char code = format == null ? 'B' : (char)format[0];
        if (code is '@' or '=' or '<')
        {
            code = (char)format[1];
        }
        NumpyDtype? dtype = (code, itemSize) switch
        {
            ('f', 4) => NumpyDtype.Float32,
            ('d', 8) => NumpyDtype.Float64,
            ('B', 1) => NumpyDtype.UInt8,
            ('l' or 'q', 8) => NumpyDtype.Int64,
            ('?', 1) => NumpyDtype.Bool,
            _ => null,
        };
        if (dtype is null)
        {
            string formatText = format == null ? "B" : Marshal.PtrToStringAnsi((nint)format) ?? "?";
            throw new NumpyArrayMismatchException(
                $"Unsupported array element format '{formatText}' ({itemSize} bytes); supported: float32, float64, uint8, int64, bool.");
        }
        return dtype.Value;
    }
}

/// <summary>Creates NumPy arrays from .NET data (e.g. actions).</summary>
public static unsafe class Numpy
{
    private static PyObject? module;

    public static string Name(NumpyDtype dtype) => dtype switch
    {
        NumpyDtype.Float32 => "float32",
        NumpyDtype.Float64 => "float64",
        NumpyDtype.UInt8 => "uint8",
        NumpyDtype.Int64 => "int64",
        NumpyDtype.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The dtype whose elements are <typeparamref name="T"/>, or null.</summary>
    internal static NumpyDtype? DtypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? NumpyDtype.Float32
        : typeof(T) == typeof(double) ? NumpyDtype.Float64
        : typeof(T) == typeof(byte) ? NumpyDtype.UInt8
        : typeof(T) == typeof(long) ? NumpyDtype.Int64
        : typeof(T) == typeof(bool) ? NumpyDtype.Bool
        : null;

    /// <summary>The numpy module (imported once; call under the GIL).</summary>
    public static PyObject Module => module ??= Py.Import("numpy");

    /// <summary>A new array of the given shape holding a copy of <paramref name="data"/>.</summary>
    public static PyObject FromSpan<T>(ReadOnlySpan<T> data, params int[] shape) where T : unmanaged
    {
        long count = 1;
        foreach (int dim in shape)
        {
            count *= dim;
        }
        if (count != data.Length)
        {
            throw new NumpyArrayMismatchException($"{data.Length} elements do not fill shape ({string.Join(", ", shape)}).");
        }
        PyObject array = Module.InvokeMethod("empty", new object?[] { new PyTupleItems(shape.Cast<object?>().ToArray()) },
            [new("dtype", Name(DtypeOf<T>() ?? throw new NotSupportedException($"{typeof(T).Name} has no NumPy dtype here.")))]);
        try
        {
            using var target = new NumpyArray(array);
            data.CopyTo(target.AsWritableSpan<T>());
        }
        catch
        {
            array.Dispose();
            throw;
        }
        return array;
    }
}
