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

    // Lifetime and threads
    public static delegate* unmanaged<int, void> Py_InitializeEx;
    public static delegate* unmanaged<int> Py_IsInitialized;
    public static delegate* unmanaged<char*, void> Py_SetPythonHome; // wchar_t* (4 bytes on Linux); may be absent
    public static delegate* unmanaged<nint> PyEval_SaveThread;
    public static delegate* unmanaged<nint, void> PyEval_RestoreThread;
    public static delegate* unmanaged<int> PyGILState_Ensure;
    public static delegate* unmanaged<int, void> PyGILState_Release;
    public static delegate* unmanaged[SuppressGCTransition]<int> PyGILState_Check; // trivial, never blocks

    // References
    public static delegate* unmanaged<nint, void> Py_IncRef;
    public static delegate* unmanaged<nint, void> Py_DecRef;

    // Objects
    public static delegate* unmanaged<byte*, nint> PyImport_ImportModule;
    public static delegate* unmanaged<nint, byte*, nint> PyObject_GetAttrString;
    public static delegate* unmanaged<nint, byte*, nint, int> PyObject_SetAttrString;
    public static delegate* unmanaged<nint, byte*, int> PyObject_HasAttrString;
    public static delegate* unmanaged<nint, nint, nint, nint> PyObject_Call;
    public static delegate* unmanaged<nint, nint*, nuint, nint, nint> PyObject_Vectorcall;
    public static delegate* unmanaged<nint, nint> PyObject_Str;
    public static delegate* unmanaged<nint, nint> PyObject_Repr;
    public static delegate* unmanaged<nint, nint, int> PyObject_IsInstance;
    public static delegate* unmanaged<nint, int> PyObject_IsTrue;
    public static delegate* unmanaged<nint, nint, nint> PyObject_GetItem;
    public static delegate* unmanaged<nint, nint, nint, int> PyObject_SetItem;
    public static delegate* unmanaged<nint, nint> PyObject_Size;
    public static delegate* unmanaged<nint, nint> PyObject_Type;

    // Scalars
    public static delegate* unmanaged<long, nint> PyLong_FromLongLong;
    public static delegate* unmanaged<nint, long> PyLong_AsLongLong;
    public static delegate* unmanaged<double, nint> PyFloat_FromDouble;
    public static delegate* unmanaged<nint, double> PyFloat_AsDouble;
    public static delegate* unmanaged<int, nint> PyBool_FromLong;
    public static delegate* unmanaged<byte*, nint, nint> PyUnicode_FromStringAndSize;
    public static delegate* unmanaged<nint, nint*, byte*> PyUnicode_AsUTF8AndSize;

    // Containers
    public static delegate* unmanaged<nint, nint> PyTuple_New;
    public static delegate* unmanaged<nint, nint, nint, int> PyTuple_SetItem; // steals
    public static delegate* unmanaged<nint, nint, nint> PyTuple_GetItem; // borrowed
    public static delegate* unmanaged<nint, nint> PyTuple_Size;
    public static delegate* unmanaged<nint, nint> PyList_New;
    public static delegate* unmanaged<nint, nint, nint, int> PyList_SetItem; // steals
    public static delegate* unmanaged<nint, nint, nint> PyList_GetItem; // borrowed
    public static delegate* unmanaged<nint, nint> PyList_Size;
    public static delegate* unmanaged<nint> PyDict_New;
    public static delegate* unmanaged<nint, nint, nint, int> PyDict_SetItem;
    public static delegate* unmanaged<nint, nint*, nint*, nint*, int> PyDict_Next; // borrowed key/value

    // Errors
    public static delegate* unmanaged<nint> PyErr_Occurred;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_Fetch;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_NormalizeException;
    public static delegate* unmanaged<void> PyErr_Clear;

    // Buffers
    public static delegate* unmanaged<nint, PyBuffer*, int, int> PyObject_GetBuffer;
    public static delegate* unmanaged<PyBuffer*, void> PyBuffer_Release;

    // Singletons and types (addresses of data symbols)
    public static nint None, True, False;
    public static nint BoolType, LongType, FloatType, UnicodeType, TupleType, ListType, DictType;

    private static void Resolve()
    {
        Py_InitializeEx = (delegate* unmanaged<int, void>)Get("Py_InitializeEx");
        Py_IsInitialized = (delegate* unmanaged<int>)Get("Py_IsInitialized");
        Py_SetPythonHome = (delegate* unmanaged<char*, void>)TryGet("Py_SetPythonHome");
        PyEval_SaveThread = (delegate* unmanaged<nint>)Get("PyEval_SaveThread");
        PyEval_RestoreThread = (delegate* unmanaged<nint, void>)Get("PyEval_RestoreThread");
        PyGILState_Ensure = (delegate* unmanaged<int>)Get("PyGILState_Ensure");
        PyGILState_Release = (delegate* unmanaged<int, void>)Get("PyGILState_Release");
        PyGILState_Check = (delegate* unmanaged[SuppressGCTransition]<int>)Get("PyGILState_Check");
        Py_IncRef = (delegate* unmanaged<nint, void>)Get("Py_IncRef");
        Py_DecRef = (delegate* unmanaged<nint, void>)Get("Py_DecRef");
        PyImport_ImportModule = (delegate* unmanaged<byte*, nint>)Get("PyImport_ImportModule");
        PyObject_GetAttrString = (delegate* unmanaged<nint, byte*, nint>)Get("PyObject_GetAttrString");
        PyObject_SetAttrString = (delegate* unmanaged<nint, byte*, nint, int>)Get("PyObject_SetAttrString");
        PyObject_HasAttrString = (delegate* unmanaged<nint, byte*, int>)Get("PyObject_HasAttrString");
        PyObject_Call = (delegate* unmanaged<nint, nint, nint, nint>)Get("PyObject_Call");
        PyObject_Vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)Get("PyObject_Vectorcall");
        PyObject_Str = (delegate* unmanaged<nint, nint>)Get("PyObject_Str");
        PyObject_Repr = (delegate* unmanaged<nint, nint>)Get("PyObject_Repr");
        PyObject_IsInstance = (delegate* unmanaged<nint, nint, int>)Get("PyObject_IsInstance");
        PyObject_IsTrue = (delegate* unmanaged<nint, int>)Get("PyObject_IsTrue");
        PyObject_GetItem = (delegate* unmanaged<nint, nint, nint>)Get("PyObject_GetItem");
        PyObject_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Get("PyObject_SetItem");
        PyObject_Size = (delegate* unmanaged<nint, nint>)Get("PyObject_Size");
        PyObject_Type = (delegate* unmanaged<nint, nint>)Get("PyObject_Type");
        PyLong_FromLongLong = (delegate* unmanaged<long, nint>)Get("PyLong_FromLongLong");
        PyLong_AsLongLong = (delegate* unmanaged<nint, long>)Get("PyLong_AsLongLong");
        PyFloat_FromDouble = (delegate* unmanaged<double, nint>)Get("PyFloat_FromDouble");
        PyFloat_AsDouble = (delegate* unmanaged<nint, double>)Get("PyFloat_AsDouble");
        PyBool_FromLong = (delegate* unmanaged<int, nint>)Get("PyBool_FromLong");
        PyUnicode_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Get("PyUnicode_FromStringAndSize");
        PyUnicode_AsUTF8AndSize = (delegate* unmanaged<nint, nint*, byte*>)Get("PyUnicode_AsUTF8AndSize");
        PyTuple_New = (delegate* unmanaged<nint, nint>)Get("PyTuple_New");
        PyTuple_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Get("PyTuple_SetItem");
        PyTuple_GetItem = (delegate* unmanaged<nint, nint, nint>)Get("PyTuple_GetItem");
        PyTuple_Size = (delegate* unmanaged<nint, nint>)Get("PyTuple_Size");
        PyList_New = (delegate* unmanaged<nint, nint>)Get("PyList_New");
        PyList_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Get("PyList_SetItem");
        PyList_GetItem = (delegate* unmanaged<nint, nint, nint>)Get("PyList_GetItem");
        PyList_Size = (delegate* unmanaged<nint, nint>)Get("PyList_Size");
        PyDict_New = (delegate* unmanaged<nint>)Get("PyDict_New");
        PyDict_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Get("PyDict_SetItem");
        PyDict_Next = (delegate* unmanaged<nint, nint*, nint*, nint*, int>)Get("PyDict_Next");
        PyErr_Occurred = (delegate* unmanaged<nint>)Get("PyErr_Occurred");
        PyErr_Fetch = (delegate* unmanaged<nint*, nint*, nint*, void>)Get("PyErr_Fetch");
        PyErr_NormalizeException = (delegate* unmanaged<nint*, nint*, nint*, void>)Get("PyErr_NormalizeException");
        PyErr_Clear = (delegate* unmanaged<void>)Get("PyErr_Clear");
        PyObject_GetBuffer = (delegate* unmanaged<nint, PyBuffer*, int, int>)Get("PyObject_GetBuffer");
        PyBuffer_Release = (delegate* unmanaged<PyBuffer*, void>)Get("PyBuffer_Release");
        None = Get("_Py_NoneStruct");
        True = Get("_Py_TrueStruct");
        False = Get("_Py_FalseStruct");
        BoolType = Get("PyBool_Type");
        LongType = Get("PyLong_Type");
        FloatType = Get("PyFloat_Type");
        UnicodeType = Get("PyUnicode_Type");
        TupleType = Get("PyTuple_Type");
        ListType = Get("PyList_Type");
        DictType = Get("PyDict_Type");
    }
}

/// <summary>The documented layout of CPython's Py_buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PyBuffer
{
    public void* Buf;
    public nint Obj;
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
