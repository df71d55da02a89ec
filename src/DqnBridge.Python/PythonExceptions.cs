namespace DqnBridge.Python;

/// <summary>No interpreter could be found or loaded; the message says what was tried and how to fix it.</summary>
public sealed class PythonNotFoundException(string message) : Exception(message);

/// <summary>A Python exception raised into .NET, with its Python type, message and formatted traceback.</summary>
public class PythonException(string pythonType, string pythonMessage, string traceback)
    : Exception($"{pythonType}: {pythonMessage}")
{
    /// <summary>Qualified Python type name, e.g. <c>ValueError</c> or <c>numpy.core._exceptions._ArrayMemoryError</c>.</summary>
    public string PythonType { get; } = pythonType;

    public string PythonMessage { get; } = pythonMessage;

    /// <summary>The traceback as <c>traceback.format_exception</c> writes it.</summary>
    public string PythonTraceback { get; } = traceback;

    public override string ToString() => base.ToString() + Environment.NewLine + "Python traceback:" + Environment.NewLine + PythonTraceback;
}

/// <summary>A NumPy array did not have the dtype or shape the caller expected.</summary>
public sealed class NumpyArrayMismatchException(string message) : Exception(message);
