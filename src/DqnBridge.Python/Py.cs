namespace DqnBridge.Python;

/// <summary>Entry points as in pythonnet's <c>Py</c>: the GIL scope, imports, constructors.</summary>
public static unsafe class Py
{
    /// <summary>Takes the GIL for this thread until the scope is disposed; scopes nest.</summary>
    public static GilScope GIL()
    {
        PythonEngine.EnsureRunning();
        return GilScope.Acquire();
    }

    /// <summary>Imports a module (dotted names allowed).</summary>
    public static PyObject Import(string name)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = utf8)
        {
            return CApi.PyImport_ImportModule(p).MoveToPyObject();
        }
    }

    /// <summary>None, borrowed: nothing to dispose. <see cref="PyObject.FromManaged"/>(null) gives an owned None.</summary>
    public static BorrowedReference None => CApi.None;

    public static PyObject NewDict() => CApi.PyDict_New().MoveToPyObject();

    /// <summary>Throws the pending Python error as a <see cref="PythonException"/>.</summary>
    internal static PythonException FetchError()
    {
        CApi.PyErr_Fetch(out NewReference type, out NewReference value, out NewReference traceback);
        if (type.IsNull)
        {
            value.Dispose();
            traceback.Dispose();
            return new PythonException("SystemError", "a C API call failed without setting a Python exception", "");
        }
        CApi.PyErr_NormalizeException(ref type, ref value, ref traceback);
        using var typeObject = type.MoveToPyObject();
        using var valueObject = value.IsNull ? PyObject.FromBorrowed(None) : value.MoveToPyObject();
        using var tracebackObject = traceback.IsNull ? PyObject.FromBorrowed(None) : traceback.MoveToPyObject();
        string typeName = "Exception", message = "", formatted = "";
        try
        {
            using var module = typeObject.GetAttr("__module__");
            using var qualname = typeObject.GetAttr("__qualname__");
            string moduleName = module.As<string>();
            typeName = moduleName == "builtins" ? qualname.As<string>() : moduleName + "." + qualname.As<string>();
            message = valueObject.ToString();
            using var tracebackModule = Import("traceback");
            using var lines = tracebackModule.InvokeMethod("format_exception", typeObject, valueObject, tracebackObject);
            using var empty = PyObject.FromManaged("");
            using var joined = empty.InvokeMethod("join", lines);
            formatted = joined.As<string>();
        }
        catch (PythonException)
        {
            // Describing the error failed too; keep what we have rather than hide the original error.
        }
        CApi.PyErr_Clear();
        return new PythonException(typeName, message, formatted);
    }

    /// <summary>Throws when a C API call returned -1 with an error set.</summary>
    internal static void Check(int status)
    {
        if (status == -1)
        {
            throw FetchError();
        }
    }
}

/// <summary>Marks a managed array to be converted to a Python tuple rather than a list.</summary>
internal sealed record PyTupleItems(object?[] Items);
