using Python.Runtime;

namespace DqnBridge.Python;

/// <summary>The NumPy element types the bridge reads and writes.</summary>
public enum NumpyDtype
{
    /// <summary>float32.</summary>
    Float32,
    /// <summary>float64.</summary>
    Float64,
    /// <summary>uint8.</summary>
    UInt8,
    /// <summary>int64.</summary>
    Int64,
    /// <summary>bool.</summary>
    Bool,
}

/// <summary>
/// A C-contiguous NumPy array read in place: its data address, dtype and shape are taken once, from
/// <c>__array_interface__</c>, when the view is made (pythonnet's <c>PyBuffer</c> is not used: with format strings it
/// can corrupt the heap, and it reads only 1-D arrays). Made and disposed under the GIL; it owns a reference to the
/// array, so the memory stays valid until it is disposed. Not for hot loops: those get their results written into
/// memory DqnBridge owns (<see cref="Numpy.ViewOf{T}"/>).
/// </summary>
public sealed unsafe class NumpyArray : IDisposable
{
    private readonly PyObject _array;
    private readonly nint _address;
    private readonly int[] _shape;
    private bool _disposed;

    /// <summary>Views <paramref name="array"/> (anything with NumPy's array interface); it must be C-contiguous.</summary>
    public NumpyArray(PyObject array)
    {
        using PyObject arrayInterface = array.GetAttr("__array_interface__");
        using PyObject data = arrayInterface["data"];
        using PyObject address = data[0];
        using PyObject readOnly = data[1];
        using PyObject typeString = arrayInterface["typestr"];
        using PyObject shape = arrayInterface["shape"];
        using PyObject strides = arrayInterface["strides"];
        _shape = new int[(int)shape.Length()];
        for (int i = 0; i < _shape.Length; i++)
        {
            using PyObject dimension = shape[i];
            _shape[i] = dimension.As<int>();
        }
        (Dtype, ItemSize) = ParseTypeString(typeString.As<string>());
        // NumPy reports strides as None exactly when the array is C-contiguous.
        if (!strides.IsNone())
        {
            throw new NumpyArrayMismatchException(
                $"The NumPy array of shape ({string.Join(", ", _shape)}) is not C-contiguous; pass np.ascontiguousarray(array).");
        }
        _address = (nint)address.As<long>();
        IsReadOnly = readOnly.As<bool>();
        _array = array.NewReference();
    }

    /// <summary>The array's element type.</summary>
    public NumpyDtype Dtype { get; }

    /// <summary>Bytes per element.</summary>
    public int ItemSize { get; }

    /// <summary>Whether NumPy marks the array read-only.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Length of dimension <paramref name="axis"/>.</summary>
    public int Dimension(int axis) => _shape[axis];

    /// <summary>The shape, e.g. (4, 84, 84).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Elements in the array.</summary>
    public long ElementCount => _shape.Aggregate(1L, (count, dimension) => count * dimension);

    /// <summary>Bytes in the array.</summary>
    public long ByteLength => ElementCount * ItemSize;

    /// <summary>The elements in place; <typeparamref name="T"/> must match the dtype (bool arrays read as bool or byte).</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        return new ReadOnlySpan<T>(Data, checked((int)ElementCount));
    }

    /// <summary>The raw bytes in place.</summary>
    public ReadOnlySpan<byte> AsBytes() => new(Data, checked((int)ByteLength));

    /// <summary>Copies all elements into <paramref name="destination"/>, which must have exactly that many.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        ReadOnlySpan<T> source = AsSpan<T>();
        if (destination.Length != source.Length)
        {
            throw new NumpyArrayMismatchException($"The NumPy array has {source.Length} elements but the destination holds {destination.Length}.");
        }
        source.CopyTo(destination);
    }

    /// <summary>Throws a <see cref="NumpyArrayMismatchException"/> unless dtype and shape are as given.</summary>
    public void Expect(NumpyDtype dtype, ReadOnlySpan<int> shape)
    {
        if (dtype != Dtype || !shape.SequenceEqual(_shape))
        {
            throw new NumpyArrayMismatchException(
                $"Expected a NumPy array of dtype {Numpy.Name(dtype)} and shape ({string.Join(", ", shape.ToArray())}), " +
                $"got dtype {Numpy.Name(Dtype)} and shape ({string.Join(", ", _shape)}).");
        }
    }

    private void* Data
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return (void*)_address;
        }
    }

    /// <summary>Gives the array reference back; call under the GIL.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _array.Dispose();
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        if (Numpy.DtypeOf<T>() != Dtype && !(Dtype == NumpyDtype.Bool && typeof(T) == typeof(byte)))
        {
            throw new NumpyArrayMismatchException($"The NumPy array has dtype {Numpy.Name(Dtype)}, which cannot be read as {typeof(T).Name}.");
        }
    }

    /// <summary>NumPy's typestr: byte order ('|' none, '&lt;' little-endian, as x64), kind and item size.</summary>
    private static (NumpyDtype Dtype, int ItemSize) ParseTypeString(string typeString)
    {
        NumpyDtype? dtype = typeString switch
        {
            "<f4" => NumpyDtype.Float32,
            "<f8" => NumpyDtype.Float64,
            "|u1" => NumpyDtype.UInt8,
            "<i8" => NumpyDtype.Int64,
            "|b1" => NumpyDtype.Bool,
            _ => null,
        };
        return dtype is { } known
            ? (known, int.Parse(typeString[2..], System.Globalization.CultureInfo.InvariantCulture))
            : throw new NumpyArrayMismatchException(
                $"Unsupported array element type '{typeString}'; supported: float32, float64, uint8, int64, bool (little-endian).");
    }
}

/// <summary>NumPy arrays over memory .NET owns, and the dtype names.</summary>
public static class Numpy
{
    /// <summary>The NumPy name of <paramref name="dtype"/>.</summary>
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
    public static NumpyDtype? DtypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? NumpyDtype.Float32
        : typeof(T) == typeof(double) ? NumpyDtype.Float64
        : typeof(T) == typeof(byte) ? NumpyDtype.UInt8
        : typeof(T) == typeof(long) ? NumpyDtype.Int64
        : typeof(T) == typeof(bool) ? NumpyDtype.Bool
        : null;

    /// <summary>
    /// A NumPy array of the given shape over a pinned .NET array (made with <c>GC.AllocateArray(..., pinned: true)</c>),
    /// without a copy: what Python writes into it, .NET reads with no call, and the other way round. Call under the GIL.
    /// The caller owns the returned object and must keep <paramref name="pinned"/> alive for as long as Python may use it.
    /// </summary>
    public static unsafe PyObject ViewOf<T>(T[] pinned, params int[] shape) where T : unmanaged
    {
        fixed (T* address = pinned)
        {
            return View((nint)address, (long)pinned.Length * sizeof(T), DtypeOf<T>(), shape);
        }
    }

    /// <summary>A new NumPy array of the given shape holding a copy of <paramref name="data"/>. Call under the GIL.</summary>
    public static unsafe PyObject CopyOf<T>(ReadOnlySpan<T> data, params int[] shape) where T : unmanaged
    {
        fixed (T* address = data)
        {
            using PyObject view = View((nint)address, (long)data.Length * sizeof(T), DtypeOf<T>(), shape);
            return view.InvokeMethod("copy");
        }
    }

    private static PyObject View(nint address, long bytes, NumpyDtype? dtype, int[] shape)
    {
        string name = Name(dtype ?? throw new NotSupportedException("Only float, double, byte, long and bool arrays have a NumPy dtype here."));
        if (shape.Aggregate(1L, (count, dimension) => count * dimension) * ItemSize(dtype.Value) != bytes)
        {
            throw new NumpyArrayMismatchException($"{bytes} bytes of {name} do not fill shape ({string.Join(", ", shape)}).");
        }
        using var pyAddress = new PyInt(address);
        using var pyBytes = new PyInt(bytes);
        using var pyName = new PyString(name);
        using PyTuple pyShape = PythonValues.Tuple(shape.Select(d => (object?)d));
        return BridgeModule.View.Invoke(pyAddress, pyBytes, pyName, pyShape);
    }

    private static int ItemSize(NumpyDtype dtype) => dtype switch
    {
        NumpyDtype.Float64 or NumpyDtype.Int64 => 8,
        NumpyDtype.Float32 => 4,
        _ => 1,
    };
}
