using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Python.Runtime;

namespace DqnBridge.Python;

/// <summary>
/// Plain data across the bridge, for setup and reporting (never per step): .NET values to new Python objects, and
/// Python's plain data (dicts, lists, str, numbers, bool, None) back as JSON. Call under the GIL.
/// </summary>
public static class PythonValues
{
    /// <summary>
    /// A new Python object the caller owns: null to None, bool to bool, integers to int, floating point to float,
    /// string to str, a value tuple to tuple, a dictionary to dict (keys as strings), any other sequence to list, a PyObject to a new reference
    /// to the same object. Anything else is refused rather than wrapped as a .NET object.
    /// </summary>
    public static PyObject ToPython(object? value)
    {
        switch (value)
        {
            case null:
                return PyObject.None;
            case PyObject python:
                return python.NewReference();
            case bool flag:
                return flag.ToPython();
            case int or long or short or sbyte or byte or ushort or uint:
                return new PyInt(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case double or float:
                return new PyFloat(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            case string text:
                return new PyString(text);
            case ITuple tuple:
                return Tuple(Enumerable.Range(0, tuple.Length).Select(i => tuple[i]));
            case IDictionary dictionary:
                var dict = new PyDict();
                foreach (DictionaryEntry entry in dictionary)
                {
                    using PyObject item = ToPython(entry.Value);
                    dict[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!] = item;
                }
                return dict;
            case IEnumerable sequence:
                var list = new PyList();
                foreach (object? element in sequence)
                {
                    using PyObject item = ToPython(element);
                    list.Append(item);
                }
                return list;
            default:
                throw new ArgumentException($"No Python value for .NET type {value.GetType()}.", nameof(value));
        }
    }

    /// <summary>A new tuple of <see cref="ToPython"/>'s conversions.</summary>
    public static PyTuple Tuple(IEnumerable<object?> items)
    {
        PyObject[] converted = items.Select(ToPython).ToArray();
        try
        {
            return new PyTuple(converted);
        }
        finally
        {
            foreach (PyObject item in converted)
            {
                item.Dispose();
            }
        }
    }

    /// <summary>Keyword arguments for <see cref="PyObject.Invoke(PyObject[], PyDict)"/>, converted by <see cref="ToPython"/>.</summary>
    public static PyDict Keywords(IEnumerable<KeyValuePair<string, object?>> arguments)
    {
        var keywords = new PyDict();
        foreach ((string name, object? value) in arguments)
        {
            using PyObject item = ToPython(value);
            keywords[name] = item;
        }
        return keywords;
    }

    /// <summary>
    /// Python's plain data (dict, list, tuple, str, int, float, bool, None) as JSON; non-finite floats come as the strings
    /// "inf", "-inf" and "nan", which <see cref="Number"/> reads.
    /// </summary>
    public static JsonElement ToJson(PyObject value)
    {
        using PyObject text = BridgeModule.PlainJson.Invoke(value);
        using JsonDocument document = JsonDocument.Parse(text.As<string>());
        return document.RootElement.Clone();
    }

    /// <summary>A number of <see cref="ToJson"/>'s output, non-finite ones included.</summary>
    public static double Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "nan" => double.NaN,
            string other => throw new FormatException($"'{other}' is not a number."),
            null => throw new FormatException("null is not a number."),
        },
        _ => element.GetDouble(),
    };
}
