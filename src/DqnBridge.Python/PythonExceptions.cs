using Python.Runtime;

namespace DqnBridge.Python;

/// <summary>No interpreter could be found or loaded; the message says what was tried and how to fix it.</summary>
public sealed class PythonNotFoundException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A Python exception raised into .NET, with its Python type, message and formatted traceback, read while the GIL was
/// held: unlike pythonnet's <see cref="PythonException"/>, it holds no Python objects, so it can be kept, logged and
/// printed anywhere (no GIL needed).
/// </summary>
public sealed class PythonError(string pythonType, string pythonMessage, string traceback)
    : Exception($"{pythonType}: {pythonMessage}")
{
    /// <summary>Qualified Python type name, e.g. <c>ValueError</c> or <c>numpy.core._exceptions._ArrayMemoryError</c>.</summary>
    public string PythonType { get; } = pythonType;

    /// <summary>The Python exception's own message, e.g. <c>ValueError: ...</c>.</summary>
    public string PythonMessage { get; } = pythonMessage;

    /// <summary>The traceback as <c>traceback.format_exception</c> writes it.</summary>
    public string PythonTraceback { get; } = traceback;

    /// <inheritdoc/>
    public override string ToString() => base.ToString() + Environment.NewLine + "Python traceback:" + Environment.NewLine + PythonTraceback;

    /// <summary>
    /// Reads pythonnet's exception into a <see cref="PythonError"/>. Call while holding the GIL, e.g. in a <c>catch</c>
    /// inside <c>using (Py.GIL())</c>. The original is not kept: its Python objects would outlive the GIL scope, and its
    /// own stack trace would repeat the traceback.
    /// </summary>
    public static PythonError From(PythonException error)
    {
        string typeName = error.Type.Name, message = error.Message, traceback = "";
        try
        {
            using PyObject module = error.Type.GetAttr("__module__");
            using PyObject qualifiedName = error.Type.GetAttr("__qualname__");
            string moduleName = module.As<string>();
            typeName = moduleName == "builtins" ? qualifiedName.As<string>() : moduleName + "." + qualifiedName.As<string>();
            message = error.Value?.ToString() ?? "";
            traceback = error.Format();
        }
        catch (PythonException)
        {
            // Describing the error failed too; keep what we have rather than hide the original error.
        }
        return new PythonError(typeName, message, traceback);
    }
}

/// <summary>A NumPy array did not have the dtype, shape or layout the caller expected.</summary>
public sealed class NumpyArrayMismatchException(string message) : Exception(message);
