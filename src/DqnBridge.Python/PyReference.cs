namespace DqnBridge.Python;

/// <summary>
/// A stack-only owner of one new reference, for hot loops where allocating a <see cref="PyObject"/>
/// per call would dominate (as pythonnet's NewReference). Dispose it under the GIL, in the same scope;
/// call <see cref="MoveToPyObject"/> to keep the object longer.
/// </summary>
public unsafe ref struct PyReference
{
    private nint reference;

    internal PyReference(nint newReference) =>
        reference = newReference == 0 ? throw Py.FetchError() : newReference;

    public readonly bool IsNone => reference == CApi.None;

    /// <summary>A NumPy view of the object; the view holds its own reference.</summary>
    public readonly NumpyArray AsNumpyArray() => new(reference);

    /// <summary>A NumPy view of item <paramref name="index"/> of this tuple.</summary>
    public readonly NumpyArray TupleItemAsArray(int index)
    {
        nint item = CApi.PyTuple_GetItem(reference, index);
        return item == 0 ? throw Py.FetchError() : new NumpyArray(item);
    }

    /// <summary>Hands the reference to a heap owner; this struct then owns nothing.</summary>
    public PyObject MoveToPyObject()
    {
        nint moved = reference;
        reference = 0;
        return PyObject.Steal(moved);
    }

    public void Dispose()
    {
        if (reference != 0)
        {
            CApi.Py_DecRef(reference);
            reference = 0;
        }
    }
}
