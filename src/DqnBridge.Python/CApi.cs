using System.Runtime.InteropServices;

namespace DqnBridge.Python;

/// <summary>
/// The CPython C API functions we use, resolved at run time from the libpython we loaded.
/// Only calls present in CPython 3.10 to 3.13 appear here.
/// </summary>
internal static unsafe class CApi
{
    private const int RtldNow = 2;
    private const int RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern nint DlError();

    public static nint Library { get; private set; }

    /// <summary>
    /// RTLD_GLOBAL matters: extension modules such as NumPy resolve CPython symbols from the global
    /// namespace, which NativeLibrary.Load does not populate.
    /// </summary>
    public static void Load(string libraryPath)
    {
        nint handle = DlOpen(libraryPath, RtldNow | RtldGlobal);
        if (handle == 0)
        {
            string why = Marshal.PtrToStringUTF8(DlError()) ?? "unknown dlopen error";
            throw new PythonNotFoundException($"Could not load the Python library {libraryPath}: {why}");
        }
        Library = handle;
        Resolve();
    }

    private static nint Get(string name) =>
        NativeLibrary.TryGetExport(Library, name, out nint address)
            ? address
            : throw new PythonNotFoundException($"The Python library lacks the C API symbol {name}; CPython 3.10 to 3.13 is supported.");

    private static nint TryGet(string name) => NativeLibrary.TryGetExport(Library, name, out nint address) ? address : 0;

    // Reference ownership is in the types: a BorrowedReference is lent (neither side increfs or decrefs), a
    // NewReference is owned by the caller (null: a Python error is pending), a StolenReference is given to the callee.

    // Lifetime and threads
    public static delegate* unmanaged<int, void> Py_InitializeEx;
    public static delegate* unmanaged<int> Py_IsInitialized;
    public static delegate* unmanaged<char*, void> Py_SetPythonHome; // wchar_t* (4 bytes on Linux); may be absent
    public static delegate* unmanaged<nint> PyEval_SaveThread; // a PyThreadState*, not an object
    public static delegate* unmanaged<int> PyGILState_Ensure;
    public static delegate* unmanaged<int, void> PyGILState_Release;
    public static delegate* unmanaged[SuppressGCTransition]<int> PyGILState_Check; // trivial, never blocks

    // References
    public static delegate* unmanaged<BorrowedReference, void> Py_IncRef;
    public static delegate* unmanaged<StolenReference, void> Py_DecRef;

    // Objects
    public static delegate* unmanaged<byte*, NewReference> PyImport_ImportModule;
    public static delegate* unmanaged<BorrowedReference, byte*, NewReference> PyObject_GetAttrString;
    public static delegate* unmanaged<BorrowedReference, byte*, BorrowedReference, int> PyObject_SetAttrString;
    public static delegate* unmanaged<BorrowedReference, BorrowedReference, BorrowedReference, NewReference> PyObject_Call;
    public static delegate* unmanaged<BorrowedReference, BorrowedReference*, nuint, BorrowedReference, NewReference> PyObject_Vectorcall;
    public static delegate* unmanaged<BorrowedReference, NewReference> PyObject_Str;
    public static delegate* unmanaged<BorrowedReference, BorrowedReference, int> PyObject_IsInstance;
    public static delegate* unmanaged<BorrowedReference, int> PyObject_IsTrue;
    public static delegate* unmanaged<BorrowedReference, BorrowedReference, NewReference> PyObject_GetItem;
    public static delegate* unmanaged<BorrowedReference, BorrowedReference, BorrowedReference, int> PyObject_SetItem;
    public static delegate* unmanaged<BorrowedReference, NewReference> PyObject_Type;

    // Scalars
    public static delegate* unmanaged<long, NewReference> PyLong_FromLongLong;
    public static delegate* unmanaged<BorrowedReference, long> PyLong_AsLongLong;
    public static delegate* unmanaged<double, NewReference> PyFloat_FromDouble;
    public static delegate* unmanaged<BorrowedReference, double> PyFloat_AsDouble;
    public static delegate* unmanaged<int, NewReference> PyBool_FromLong;
    public static delegate* unmanaged<byte*, nint, NewReference> PyUnicode_FromStringAndSize;
    public static delegate* unmanaged<BorrowedReference, nint*, byte*> PyUnicode_AsUTF8AndSize; // the UTF-8 lives as long as the str

    // Containers
    public static delegate* unmanaged<nint, NewReference> PyTuple_New;
    public static delegate* unmanaged<BorrowedReference, nint, StolenReference, int> PyTuple_SetItem;
    public static delegate* unmanaged<BorrowedReference, nint, BorrowedReference> PyTuple_GetItem;
    public static delegate* unmanaged<BorrowedReference, nint> PyTuple_Size;
    public static delegate* unmanaged<nint, NewReference> PyList_New;
    public static delegate* unmanaged<BorrowedReference, nint, StolenReference, int> PyList_SetItem;
    public static delegate* unmanaged<BorrowedReference, nint, BorrowedReference> PyList_GetItem;
    public static delegate* unmanaged<BorrowedReference, nint> PyList_Size;
    public static delegate* unmanaged<NewReference> PyDict_New;
    public static delegate* unmanaged<BorrowedReference, BorrowedReference, BorrowedReference, int> PyDict_SetItem;
    public static delegate* unmanaged<BorrowedReference, nint*, out BorrowedReference, out BorrowedReference, int> PyDict_Next;

    // Errors
    public static delegate* unmanaged<BorrowedReference> PyErr_Occurred;
    public static delegate* unmanaged<out NewReference, out NewReference, out NewReference, void> PyErr_Fetch;
    public static delegate* unmanaged<ref NewReference, ref NewReference, ref NewReference, void> PyErr_NormalizeException;
    public static delegate* unmanaged<void> PyErr_Clear;

    // Buffers
    public static delegate* unmanaged<BorrowedReference, PyBuffer*, int, int> PyObject_GetBuffer;
    public static delegate* unmanaged<PyBuffer*, void> PyBuffer_Release;

    // Singletons and built-in types: addresses of data symbols, alive as long as the interpreter.
    internal static nint NoneAddress, TrueAddress;
    private static nint boolType, longType, floatType, unicodeType, tupleType, listType, dictType;

    public static BorrowedReference None => new(NoneAddress);
    public static BorrowedReference True => new(TrueAddress);
    public static BorrowedReference BoolType => new(boolType);
    public static BorrowedReference LongType => new(longType);
    public static BorrowedReference FloatType => new(floatType);
    public static BorrowedReference UnicodeType => new(unicodeType);
    public static BorrowedReference TupleType => new(tupleType);
    public static BorrowedReference ListType => new(listType);
    public static BorrowedReference DictType => new(dictType);

    private static void Resolve()
    {
        Py_InitializeEx = (delegate* unmanaged<int, void>)Get("Py_InitializeEx");
        Py_IsInitialized = (delegate* unmanaged<int>)Get("Py_IsInitialized");
        Py_SetPythonHome = (delegate* unmanaged<char*, void>)TryGet("Py_SetPythonHome");
        PyEval_SaveThread = (delegate* unmanaged<nint>)Get("PyEval_SaveThread");
        PyGILState_Ensure = (delegate* unmanaged<int>)Get("PyGILState_Ensure");
        PyGILState_Release = (delegate* unmanaged<int, void>)Get("PyGILState_Release");
        PyGILState_Check = (delegate* unmanaged[SuppressGCTransition]<int>)Get("PyGILState_Check");
        Py_IncRef = (delegate* unmanaged<BorrowedReference, void>)Get("Py_IncRef");
        Py_DecRef = (delegate* unmanaged<StolenReference, void>)Get("Py_DecRef");
        PyImport_ImportModule = (delegate* unmanaged<byte*, NewReference>)Get("PyImport_ImportModule");
        PyObject_GetAttrString = (delegate* unmanaged<BorrowedReference, byte*, NewReference>)Get("PyObject_GetAttrString");
        PyObject_SetAttrString = (delegate* unmanaged<BorrowedReference, byte*, BorrowedReference, int>)Get("PyObject_SetAttrString");
        PyObject_Call = (delegate* unmanaged<BorrowedReference, BorrowedReference, BorrowedReference, NewReference>)Get("PyObject_Call");
        PyObject_Vectorcall = (delegate* unmanaged<BorrowedReference, BorrowedReference*, nuint, BorrowedReference, NewReference>)Get("PyObject_Vectorcall");
        PyObject_Str = (delegate* unmanaged<BorrowedReference, NewReference>)Get("PyObject_Str");
        PyObject_IsInstance = (delegate* unmanaged<BorrowedReference, BorrowedReference, int>)Get("PyObject_IsInstance");
        PyObject_IsTrue = (delegate* unmanaged<BorrowedReference, int>)Get("PyObject_IsTrue");
        PyObject_GetItem = (delegate* unmanaged<BorrowedReference, BorrowedReference, NewReference>)Get("PyObject_GetItem");
        PyObject_SetItem = (delegate* unmanaged<BorrowedReference, BorrowedReference, BorrowedReference, int>)Get("PyObject_SetItem");
        PyObject_Type = (delegate* unmanaged<BorrowedReference, NewReference>)Get("PyObject_Type");
        PyLong_FromLongLong = (delegate* unmanaged<long, NewReference>)Get("PyLong_FromLongLong");
        PyLong_AsLongLong = (delegate* unmanaged<BorrowedReference, long>)Get("PyLong_AsLongLong");
        PyFloat_FromDouble = (delegate* unmanaged<double, NewReference>)Get("PyFloat_FromDouble");
        PyFloat_AsDouble = (delegate* unmanaged<BorrowedReference, double>)Get("PyFloat_AsDouble");
        PyBool_FromLong = (delegate* unmanaged<int, NewReference>)Get("PyBool_FromLong");
        PyUnicode_FromStringAndSize = (delegate* unmanaged<byte*, nint, NewReference>)Get("PyUnicode_FromStringAndSize");
        PyUnicode_AsUTF8AndSize = (delegate* unmanaged<BorrowedReference, nint*, byte*>)Get("PyUnicode_AsUTF8AndSize");
        PyTuple_New = (delegate* unmanaged<nint, NewReference>)Get("PyTuple_New");
        PyTuple_SetItem = (delegate* unmanaged<BorrowedReference, nint, StolenReference, int>)Get("PyTuple_SetItem");
        PyTuple_GetItem = (delegate* unmanaged<BorrowedReference, nint, BorrowedReference>)Get("PyTuple_GetItem");
        PyTuple_Size = (delegate* unmanaged<BorrowedReference, nint>)Get("PyTuple_Size");
        PyList_New = (delegate* unmanaged<nint, NewReference>)Get("PyList_New");
        PyList_SetItem = (delegate* unmanaged<BorrowedReference, nint, StolenReference, int>)Get("PyList_SetItem");
        PyList_GetItem = (delegate* unmanaged<BorrowedReference, nint, BorrowedReference>)Get("PyList_GetItem");
        PyList_Size = (delegate* unmanaged<BorrowedReference, nint>)Get("PyList_Size");
        PyDict_New = (delegate* unmanaged<NewReference>)Get("PyDict_New");
        PyDict_SetItem = (delegate* unmanaged<BorrowedReference, BorrowedReference, BorrowedReference, int>)Get("PyDict_SetItem");
        PyDict_Next = (delegate* unmanaged<BorrowedReference, nint*, out BorrowedReference, out BorrowedReference, int>)Get("PyDict_Next");
        PyErr_Occurred = (delegate* unmanaged<BorrowedReference>)Get("PyErr_Occurred");
        PyErr_Fetch = (delegate* unmanaged<out NewReference, out NewReference, out NewReference, void>)Get("PyErr_Fetch");
        PyErr_NormalizeException = (delegate* unmanaged<ref NewReference, ref NewReference, ref NewReference, void>)Get("PyErr_NormalizeException");
        PyErr_Clear = (delegate* unmanaged<void>)Get("PyErr_Clear");
        PyObject_GetBuffer = (delegate* unmanaged<BorrowedReference, PyBuffer*, int, int>)Get("PyObject_GetBuffer");
        PyBuffer_Release = (delegate* unmanaged<PyBuffer*, void>)Get("PyBuffer_Release");
        NoneAddress = Get("_Py_NoneStruct");
        TrueAddress = Get("_Py_TrueStruct");
        boolType = Get("PyBool_Type");
        longType = Get("PyLong_Type");
        floatType = Get("PyFloat_Type");
        unicodeType = Get("PyUnicode_Type");
        tupleType = Get("PyTuple_Type");
        listType = Get("PyList_Type");
        dictType = Get("PyDict_Type");
    }
}

/// <summary>The documented layout of CPython's Py_buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PyBuffer
{
    public void* Buf;
    public nint Obj; // the exporter, owned by the view until PyBuffer_Release
    public nint Len;
    public nint ItemSize;
    public int ReadOnly;
    public int NDim;
    public byte* Format;
    public nint* Shape;
    public nint* Strides;
    public nint* SubOffsets;
    public void* Internal;
}
