namespace DqnBridge.Python;

/// <summary>
/// A stack-only owner of one new reference, for hot loops where allocating a <see cref="PyObject"/> per call
/// would dominate (pythonnet's <c>NewReference</c>, made public and guarded). Dispose it under the GIL, in the
/// same scope, or call <see cref="MoveToPyObject"/> to keep the object longer. Copies share one release
/// (<see cref="Ownership"/>): disposing a copy after the original (or the other way round) throws instead of
/// decrefing twice, and using a released copy throws <see cref="ObjectDisposedException"/>.
/// </summary>
public unsafe ref struct PyReference
{
    private const string OwnerName = nameof(PyReference);

    private nint pointer;
    private Ownership ownership;

    internal PyReference(StolenReference reference)
    {
        pointer = reference.Address;
        ownership = Ownership.Take();
    }

    /// <summary>The object, lent while this owner holds it.</summary>
    public readonly BorrowedReference Reference
    {
        get
        {
            ownership.ThrowIfReleased(OwnerName);
            return new BorrowedReference(pointer);
        }
    }

    public readonly bool IsNone => Reference.IsNone;

    /// <summary>A NumPy view of the object; the view holds its own reference.</summary>
    public readonly NumpyArray AsNumpyArray() => new(Reference);

    /// <summary>Hands the reference to a heap owner; this struct (and every copy of it) then owns nothing.</summary>
    public PyObject MoveToPyObject()
    {
        ownership.ThrowIfReleased(OwnerName);
        var moved = new StolenReference(pointer);
        Forget();
        return PyObject.FromStolen(moved);
    }

    public void Dispose()
    {
        if (!ownership.IsSet)
        {
            return;
        }
        ownership.ThrowIfReleasedThroughACopy(OwnerName);
        var released = new StolenReference(pointer);
        Forget();
        PendingDecrefs.Release(released);
    }

    private void Forget()
    {
        ownership.Release();
        ownership = default;
        pointer = 0;
    }
}
