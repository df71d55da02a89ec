using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DqnBridge.Python;

/// <summary>
/// Owns one strong reference to a Python object and gives it back on Dispose (or, as a last resort,
/// in the finalizer). Use it while holding the GIL (<see cref="Py.GIL"/>).
/// </summary>
public sealed unsafe class PyObject : SafeHandle
{
    private PyObject(nint reference) : base(0, ownsHandle: true) => SetHandle(reference);

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw PyObject* (still owned by this object).</summary>
    public nint Handle => handle;

    /// <summary>Takes ownership of a new reference; a null reference means a Python error is pending.</summary>
    internal static PyObject Steal(nint reference) => reference == 0 ? throw Py.FetchError() : new PyObject(reference);

    /// <summary>Adds a reference to a borrowed one and owns that.</summary>
    internal static PyObject Borrow(nint reference)
    {
        if (reference == 0)
        {
            throw Py.FetchError();
        }
        CApi.Py_IncRef(reference);
        return new PyObject(reference);
    }

    protected override bool ReleaseHandle()
    {
        // After shutdown Python must not run again; the process is exiting and the reference goes with it.
        if (PythonEngine.CanRelease)
        {
            if (CApi.PyGILState_Check() == 1)
            {
                CApi.Py_DecRef(handle); // the usual case: disposed inside a GIL scope
                return true;
            }
            int state = CApi.PyGILState_Ensure();
            CApi.Py_DecRef(handle);
            CApi.PyGILState_Release(state);
        }
        return true;
    }

    public bool IsNone => handle == CApi.None;

    // ---- attributes -----------------------------------------------------------------------

    public PyObject GetAttr(string name)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            return Steal(CApi.PyObject_GetAttrString(handle, p));
        }
    }

    public void SetAttr(string name, PyObject value)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            Py.Check(CApi.PyObject_SetAttrString(handle, p, value.handle));
        }
    }

    public bool HasAttr(string name)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            return CApi.PyObject_HasAttrString(handle, p) == 1;
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
            return Steal(CApi.PyObject_GetItem(handle, k.handle));
        }
    }

    public void SetItem(object? key, object? value)
    {
        using var k = FromManaged(key);
        using var v = FromManaged(value);
        Py.Check(CApi.PyObject_SetItem(handle, k.handle, v.handle));
    }

    /// <summary>Python's <c>len(obj)</c>.</summary>
    public long Length()
    {
        nint size = CApi.PyObject_Size(handle);
        return size < 0 ? throw Py.FetchError() : size;
    }

    // ---- calls ----------------------------------------------------------------------------

    /// <summary>Calls with no arguments.</summary>
    public PyObject Invoke() => Steal(CApi.PyObject_Vectorcall(handle, null, 0, 0));

    /// <summary>Calls with no arguments; the result is owned by a stack-only <see cref="PyReference"/> (no allocation).</summary>
    public PyReference Call() => new(CApi.PyObject_Vectorcall(handle, null, 0, 0));

    /// <summary>Calls with one argument; the result is owned by a stack-only <see cref="PyReference"/> (no allocation).</summary>
    public PyReference Call(PyObject argument)
    {
        nint arg = argument.handle;
        return new(CApi.PyObject_Vectorcall(handle, &arg, 1, 0));
    }

    /// <summary>Calls with Python objects as positional arguments, without building a tuple.</summary>
    public PyObject Invoke(PyObject argument)
    {
        nint arg = argument.handle;
        return Steal(CApi.PyObject_Vectorcall(handle, &arg, 1, 0));
    }

    public PyObject Invoke(PyObject first, PyObject second)
    {
        nint* args = stackalloc nint[2] { first.handle, second.handle };
        return Steal(CApi.PyObject_Vectorcall(handle, args, 2, 0));
    }

    /// <summary>Calls with positional arguments converted by <see cref="FromManaged"/>.</summary>
    public PyObject Invoke(params object?[] arguments)
    {
        using var tuple = FromManaged(new PyTupleItems(arguments));
        return Steal(CApi.PyObject_Call(handle, tuple.handle, 0));
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
        return Steal(CApi.PyObject_Call(handle, tuple.handle, kwargs.handle));
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
    public static PyObject FromManaged(object? value) => Steal(NewReference(value));

    private static nint NewReference(object? value)
    {
        switch (value)
        {
            case null:
                CApi.Py_IncRef(CApi.None);
                return CApi.None;
            case PyObject o:
                CApi.Py_IncRef(o.handle);
                return o.handle;
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
                nint dict = CApi.PyDict_New();
                foreach (DictionaryEntry entry in dictionary)
                {
                    using var k = FromManaged(entry.Key);
                    using var v = FromManaged(entry.Value);
                    if (CApi.PyDict_SetItem(dict, k.handle, v.handle) != 0)
                    {
                        CApi.Py_DecRef(dict);
                        return 0;
                    }
                }
                return dict;
            case IEnumerable sequence:
                var list = sequence.Cast<object?>().ToList();
                nint pyList = CApi.PyList_New(list.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    nint item = NewOrCleanUp(list[i], pyList);
                    if (item == 0)
                    {
                        return 0;
                    }
                    CApi.PyList_SetItem(pyList, i, item);
                }
                return pyList;
            default:
                throw new ArgumentException($"No Python conversion for .NET type {value.GetType()}.", nameof(value));
        }
    }

    private static nint NewOrCleanUp(object? value, nint container)
    {
        try
        {
            nint item = NewReference(value);
            if (item == 0)
            {
                CApi.Py_DecRef(container);
            }
            return item;
        }
        catch
        {
            CApi.Py_DecRef(container);
            throw;
        }
    }

    private static nint NewTuple(object?[] items)
    {
        nint tuple = CApi.PyTuple_New(items.Length);
        for (int i = 0; i < items.Length; i++)
        {
            nint item = NewOrCleanUp(items[i], tuple);
            if (item == 0)
            {
                return 0;
            }
            CApi.PyTuple_SetItem(tuple, i, item);
        }
        return tuple;
    }

    private static nint NewString(string s)
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

    private bool IsInstance(nint type) => CApi.PyObject_IsInstance(handle, type) == 1;

    /// <summary>Converts to a .NET value: bool, int, long, float, double, string, or anything <see cref="ToManaged"/> gives.</summary>
    public T As<T>()
    {
        object? value = typeof(T) == typeof(int) ? checked((int)AsInt64())
            : typeof(T) == typeof(long) ? AsInt64()
            : typeof(T) == typeof(double) ? AsDouble()
            : typeof(T) == typeof(float) ? (float)AsDouble()
            : typeof(T) == typeof(bool) ? AsBool()
            : typeof(T) == typeof(string) ? AsString()
            : ToManaged();
        return value is T typed ? typed
            : value is null && default(T) is null ? default!
            : throw new InvalidCastException($"Python {TypeName} cannot be converted to {typeof(T)}.");
    }

    private long AsInt64()
    {
        // PyLong_AsLongLong accepts anything with __index__, such as NumPy integers.
        long result = CApi.PyLong_AsLongLong(handle);
        return result == -1 && CApi.PyErr_Occurred() != 0 ? throw Py.FetchError() : result;
    }

    private double AsDouble()
    {
        double result = CApi.PyFloat_AsDouble(handle);
        return result == -1 && CApi.PyErr_Occurred() != 0 ? throw Py.FetchError() : result;
    }

    private bool AsBool()
    {
        int truth = CApi.PyObject_IsTrue(handle);
        return truth == -1 ? throw Py.FetchError() : truth == 1;
    }

    private string AsString()
    {
        if (!IsInstance(CApi.UnicodeType))
        {
            throw new InvalidCastException($"Expected a Python str, got {TypeName}.");
        }
        nint length;
        byte* utf8 = CApi.PyUnicode_AsUTF8AndSize(handle, &length);
        return utf8 == null ? throw Py.FetchError() : Encoding.UTF8.GetString(utf8, (int)length);
    }

    /// <summary>
    /// Converts to plain .NET values: None to null, bool, int to long, float to double, str to string,
    /// tuple to object?[], list to List&lt;object?&gt;, dict to Dictionary&lt;object, object?&gt;.
    /// Anything else comes back as a new PyObject the caller owns.
    /// </summary>
    public object? ToManaged()
    {
        if (IsNone) return null;
        if (IsInstance(CApi.BoolType)) return handle == CApi.True;
        if (IsInstance(CApi.LongType)) return AsInt64();
        if (IsInstance(CApi.FloatType)) return AsDouble();
        if (IsInstance(CApi.UnicodeType)) return AsString();
        if (IsInstance(CApi.TupleType))
        {
            var items = new object?[CApi.PyTuple_Size(handle)];
            for (int i = 0; i < items.Length; i++)
            {
                using var item = Borrow(CApi.PyTuple_GetItem(handle, i));
                items[i] = item.ToManaged();
            }
            return items;
        }
        if (IsInstance(CApi.ListType))
        {
            nint count = CApi.PyList_Size(handle);
            var items = new List<object?>((int)count);
            for (int i = 0; i < count; i++)
            {
                using var item = Borrow(CApi.PyList_GetItem(handle, i));
                items.Add(item.ToManaged());
            }
            return items;
        }
        if (IsInstance(CApi.DictType))
        {
            var result = new Dictionary<object, object?>();
            nint position = 0, key, value;
            while (CApi.PyDict_Next(handle, &position, &key, &value) != 0)
            {
                using var k = Borrow(key);
                using var v = Borrow(value);
                result[k.ToManaged() ?? throw new InvalidCastException("A dict key of None has no .NET equivalent.")] = v.ToManaged();
            }
            return result;
        }
        return Borrow(handle);
    }

    /// <summary>
    /// A NumPy view of item <paramref name="index"/> of this tuple, without allocating: for hot loops
    /// that receive a tuple of arrays per call.
    /// </summary>
    public NumpyArray TupleItemAsArray(int index)
    {
        nint item = CApi.PyTuple_GetItem(handle, index);
        return item == 0 ? throw Py.FetchError() : new NumpyArray(item);
    }

    /// <summary>Item <paramref name="index"/> of a tuple, as a new reference.</summary>
    public PyObject TupleItem(int index) => Borrow(CApi.PyTuple_GetItem(handle, index));

    /// <summary>The qualified name of the object's type.</summary>
    public string TypeName
    {
        get
        {
            using var type = Steal(CApi.PyObject_Type(handle));
            using var name = type.GetAttr("__qualname__");
            return name.AsString();
        }
    }

    /// <summary>Python's <c>str(obj)</c>.</summary>
    public override string ToString()
    {
        using var text = Steal(CApi.PyObject_Str(handle));
        return text.AsString();
    }

    /// <summary>Python's <c>repr(obj)</c>.</summary>
    public string Repr()
    {
        using var text = Steal(CApi.PyObject_Repr(handle));
        return text.AsString();
    }
}
