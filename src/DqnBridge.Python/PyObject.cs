using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DqnBridge.Python;

/// <summary>
/// Owns one strong reference to a Python object and gives it back on Dispose, as pythonnet's <c>PyObject</c>.
/// Use it while holding the GIL (<see cref="Py.GIL"/>). Disposed on a thread that holds the GIL, it decrefs at
/// once; disposed elsewhere or finalized (the finalizer thread never takes the GIL), it queues the decref for the
/// next GIL holder (<see cref="PendingDecrefs"/>).
/// </summary>
public sealed unsafe class PyObject : SafeHandle
{
    private PyObject(StolenReference reference) : base(0, ownsHandle: true) => SetHandle(reference.Address);

    public override bool IsInvalid => handle == 0;

    /// <summary>The object, lent for as long as this PyObject is neither disposed nor collected.</summary>
    public BorrowedReference Reference
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return new BorrowedReference(handle);
        }
    }

    /// <summary>Takes ownership of a stolen reference.</summary>
    internal static PyObject FromStolen(StolenReference reference) => new(reference);

    /// <summary>A new owner of another reference to a borrowed object.</summary>
    internal static PyObject FromBorrowed(BorrowedReference reference) => NewReference.To(reference).MoveToPyObject();

    protected override bool ReleaseHandle()
    {
        PendingDecrefs.Release(new StolenReference(handle));
        return true;
    }

    public bool IsNone => Reference.IsNone;

    // ---- attributes -----------------------------------------------------------------------

    public PyObject GetAttr(string name)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            return CApi.PyObject_GetAttrString(Reference, p).MoveToPyObject();
        }
    }

    public void SetAttr(string name, PyObject value)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            Py.Check(CApi.PyObject_SetAttrString(Reference, p, value.Reference));
        }
    }

    private static Span<byte> ToCString(string text, Span<byte> buffer)
    {
        int length = Encoding.UTF8.GetBytes(text, buffer);
        buffer[length] = 0;
        return buffer[..(length + 1)];
    }

    // ---- items ----------------------------------------------------------------------------

    public PyObject this[object? key]
    {
        get
        {
            using var k = FromManaged(key);
            return CApi.PyObject_GetItem(Reference, k.Reference).MoveToPyObject();
        }
    }

    public void SetItem(object? key, object? value)
    {
        using var k = FromManaged(key);
        using var v = FromManaged(value);
        Py.Check(CApi.PyObject_SetItem(Reference, k.Reference, v.Reference));
    }

    // ---- calls ----------------------------------------------------------------------------

    /// <summary>Calls with no arguments.</summary>
    public PyObject Invoke() => CApi.PyObject_Vectorcall(Reference, null, 0, default).MoveToPyObject();

    /// <summary>Calls with no arguments; the result is owned by a stack-only <see cref="PyReference"/> (no allocation).</summary>
    public PyReference Call() => CApi.PyObject_Vectorcall(Reference, null, 0, default).MoveToPyReference();

    /// <summary>Calls with one argument; the result is owned by a stack-only <see cref="PyReference"/> (no allocation).</summary>
    public PyReference Call(PyObject argument)
    {
        BorrowedReference arg = argument.Reference;
        return CApi.PyObject_Vectorcall(Reference, &arg, 1, default).MoveToPyReference();
    }

    /// <summary>Calls with Python objects as positional arguments, without building a tuple.</summary>
    public PyObject Invoke(PyObject argument)
    {
        BorrowedReference arg = argument.Reference;
        return CApi.PyObject_Vectorcall(Reference, &arg, 1, default).MoveToPyObject();
    }

    public PyObject Invoke(PyObject first, PyObject second)
    {
        BorrowedReference* args = stackalloc BorrowedReference[2] { first.Reference, second.Reference };
        return CApi.PyObject_Vectorcall(Reference, args, 2, default).MoveToPyObject();
    }

    /// <summary>Calls with positional arguments converted by <see cref="FromManaged"/>.</summary>
    public PyObject Invoke(params object?[] arguments)
    {
        using var tuple = FromManaged(new PyTupleItems(arguments));
        return CApi.PyObject_Call(Reference, tuple.Reference, default).MoveToPyObject();
    }

    /// <summary>Calls with positional and keyword arguments.</summary>
    public PyObject Invoke(object?[] arguments, IEnumerable<KeyValuePair<string, object?>> keywordArguments)
    {
        using var tuple = FromManaged(new PyTupleItems(arguments));
        using var kwargs = Py.NewDict();
        foreach ((string name, object? value) in keywordArguments)
        {
            kwargs.SetItem(name, value);
        }
        return CApi.PyObject_Call(Reference, tuple.Reference, kwargs.Reference).MoveToPyObject();
    }

    /// <summary>Calls the method <paramref name="name"/> with positional arguments.</summary>
    public PyObject InvokeMethod(string name, params object?[] arguments)
    {
        using var method = GetAttr(name);
        return method.Invoke(arguments);
    }

    public PyObject InvokeMethod(string name, object?[] arguments, IEnumerable<KeyValuePair<string, object?>> keywordArguments)
    {
        using var method = GetAttr(name);
        return method.Invoke(arguments, keywordArguments);
    }

    // ---- conversions ----------------------------------------------------------------------

    /// <summary>
    /// A new Python object for a .NET value: null to None, bool, integers to int, floating point to float,
    /// string to str, ITuple (e.g. (1, "a")) to tuple, IDictionary to dict, other IEnumerable to list,
    /// PyObject to a new reference to the same object.
    /// </summary>
    public static PyObject FromManaged(object? value) => ToPython(value).MoveToPyObject();

    private static NewReference ToPython(object? value)
    {
        switch (value)
        {
            case null:
                return NewReference.To(CApi.None);
            case PyObject o:
                return NewReference.To(o.Reference);
            case bool b:
                return CApi.PyBool_FromLong(b ? 1 : 0);
            case int or long or short or sbyte or byte or ushort or uint:
                return CApi.PyLong_FromLongLong(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case double d:
                return CApi.PyFloat_FromDouble(d);
            case float f:
                return CApi.PyFloat_FromDouble(f);
            case string s:
                return NewString(s);
            case PyTupleItems t:
                return NewTuple(t.Items);
            case ITuple t:
                var items = new object?[t.Length];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = t[i];
                }
                return NewTuple(items);
            case IDictionary dictionary:
                return NewDict(dictionary);
            case IEnumerable sequence:
                return NewList(sequence.Cast<object?>().ToList());
            default:
                throw new ArgumentException($"No Python conversion for .NET type {value.GetType()}.", nameof(value));
        }
    }

    private static NewReference NewTuple(object?[] items) => Fill(CApi.PyTuple_New(items.Length), items, CApi.PyTuple_SetItem);

    private static NewReference NewList(List<object?> items) => Fill(CApi.PyList_New(items.Count), items, CApi.PyList_SetItem);

    /// <summary>Fills a new tuple or list (moved in, moved out) through its item-stealing setter.</summary>
    private static NewReference Fill(NewReference sequence, IReadOnlyList<object?> items,
        delegate* unmanaged<BorrowedReference, nint, StolenReference, int> setItem)
    {
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                setItem(sequence.Borrow(), i, ToPython(items[i]).Steal());
            }
        }
        catch
        {
            sequence.Dispose();
            throw;
        }
        return sequence;
    }

    private static NewReference NewDict(IDictionary dictionary)
    {
        NewReference dict = CApi.PyDict_New();
        try
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                using var k = FromManaged(entry.Key);
                using var v = FromManaged(entry.Value);
                Py.Check(CApi.PyDict_SetItem(dict.Borrow(), k.Reference, v.Reference));
            }
        }
        catch
        {
            dict.Dispose();
            throw;
        }
        return dict;
    }

    private static NewReference NewString(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        byte[]? rented = max > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> buffer = rented ?? stackalloc byte[max];
        try
        {
            int length = Encoding.UTF8.GetBytes(s, buffer);
            fixed (byte* p = buffer)
            {
                return CApi.PyUnicode_FromStringAndSize(p, length);
            }
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Converts to a .NET value: bool, int, long, float, double, string, or anything <see cref="ToManaged()"/> gives.</summary>
    public T As<T>()
    {
        BorrowedReference self = Reference;
        object? value = typeof(T) == typeof(int) ? checked((int)AsInt64(self))
            : typeof(T) == typeof(long) ? AsInt64(self)
            : typeof(T) == typeof(double) ? AsDouble(self)
            : typeof(T) == typeof(float) ? (float)AsDouble(self)
            : typeof(T) == typeof(bool) ? AsBool(self)
            : typeof(T) == typeof(string) ? AsString(self)
            : ToManaged(self);
        return value is T typed ? typed
            : value is null && default(T) is null ? default!
            : throw new InvalidCastException($"Python {TypeName} cannot be converted to {typeof(T)}.");
    }

    private static bool IsInstance(BorrowedReference value, BorrowedReference type) => CApi.PyObject_IsInstance(value, type) == 1;

    private static long AsInt64(BorrowedReference value)
    {
        // PyLong_AsLongLong accepts anything with __index__, such as NumPy integers.
        long result = CApi.PyLong_AsLongLong(value);
        return result == -1 && !CApi.PyErr_Occurred().IsNull ? throw Py.FetchError() : result;
    }

    private static double AsDouble(BorrowedReference value)
    {
        double result = CApi.PyFloat_AsDouble(value);
        return result == -1 && !CApi.PyErr_Occurred().IsNull ? throw Py.FetchError() : result;
    }

    private static bool AsBool(BorrowedReference value)
    {
        int truth = CApi.PyObject_IsTrue(value);
        return truth == -1 ? throw Py.FetchError() : truth == 1;
    }

    private static string AsString(BorrowedReference value)
    {
        if (!IsInstance(value, CApi.UnicodeType))
        {
            throw new InvalidCastException($"Expected a Python str, got {TypeNameOf(value)}.");
        }
        nint length;
        byte* utf8 = CApi.PyUnicode_AsUTF8AndSize(value, &length);
        return utf8 == null ? throw Py.FetchError() : Encoding.UTF8.GetString(utf8, (int)length);
    }

    /// <summary>
    /// Converts to plain .NET values: None to null, bool, int to long, float to double, str to string,
    /// tuple to object?[], list to List&lt;object?&gt;, dict to Dictionary&lt;object, object?&gt;.
    /// Anything else comes back as a new PyObject the caller owns.
    /// </summary>
    public object? ToManaged() => ToManaged(Reference);

    private static object? ToManaged(BorrowedReference value)
    {
        if (value.IsNone)
        {
            return null;
        }

        if (IsInstance(value, CApi.BoolType))
        {
            return value.Is(CApi.True);
        }

        if (IsInstance(value, CApi.LongType))
        {
            return AsInt64(value);
        }

        if (IsInstance(value, CApi.FloatType))
        {
            return AsDouble(value);
        }

        if (IsInstance(value, CApi.UnicodeType))
        {
            return AsString(value);
        }

        if (IsInstance(value, CApi.TupleType))
        {
            var items = new object?[CApi.PyTuple_Size(value)];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = ToManaged(CApi.PyTuple_GetItem(value, i));
            }
            return items;
        }
        if (IsInstance(value, CApi.ListType))
        {
            nint count = CApi.PyList_Size(value);
            var items = new List<object?>((int)count);
            for (int i = 0; i < count; i++)
            {
                items.Add(ToManaged(CApi.PyList_GetItem(value, i)));
            }
            return items;
        }
        if (IsInstance(value, CApi.DictType))
        {
            var result = new Dictionary<object, object?>();
            nint position = 0;
            while (CApi.PyDict_Next(value, &position, out BorrowedReference key, out BorrowedReference item) != 0)
            {
                result[ToManaged(key) ?? throw new InvalidCastException("A dict key of None has no .NET equivalent.")] = ToManaged(item);
            }
            return result;
        }
        return FromBorrowed(value);
    }

    /// <summary>
    /// A NumPy view of item <paramref name="index"/> of this tuple, without allocating: for hot loops
    /// that receive a tuple of arrays per call.
    /// </summary>
    public NumpyArray TupleItemAsArray(int index) => new(CApi.PyTuple_GetItem(Reference, index));

    /// <summary>Item <paramref name="index"/> of a tuple, as a new reference.</summary>
    public PyObject TupleItem(int index) => FromBorrowed(CApi.PyTuple_GetItem(Reference, index));

    /// <summary>The qualified name of the object's type.</summary>
    public string TypeName => TypeNameOf(Reference);

    private static string TypeNameOf(BorrowedReference value)
    {
        using var type = CApi.PyObject_Type(value).MoveToPyObject();
        using var name = type.GetAttr("__qualname__");
        return AsString(name.Reference);
    }

    /// <summary>Python's <c>str(obj)</c>.</summary>
    public override string ToString()
    {
        using var text = CApi.PyObject_Str(Reference).MoveToPyObject();
        return AsString(text.Reference);
    }
}
