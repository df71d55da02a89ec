namespace DqnBridge.Python;

/// <summary>
/// An owned <c>PyObject*</c> as a C API function returns it, as pythonnet's <c>NewReference</c>; null means the
/// call failed and a Python error is pending. Its holder gives it away exactly once: <see cref="Dispose"/>
/// (decref), <see cref="Steal"/> (into a function that steals) or <see cref="MoveToPyObject"/>/<see cref="MoveToPyReference"/>.
/// It must stay one pointer wide to be a C API return type, so unlike the public owners it carries no copy guard:
/// keep it in one expression or one <c>using</c> local, and hand it on by moving, never by copying.
/// </summary>
internal unsafe ref struct NewReference
{
    private nint pointer;

    private NewReference(nint pointer) => this.pointer = pointer;

    /// <summary>Adds a reference to a borrowed object and owns that.</summary>
    public static NewReference To(BorrowedReference borrowed)
    {
        if (borrowed.IsNull)
        {
            throw Py.FetchError();
        }
        CApi.Py_IncRef(borrowed);
        return new NewReference(borrowed.Address);
    }

    public readonly bool IsNull => pointer == 0;

    /// <summary>Lends the object; throws the pending Python error when the call that made this reference failed.</summary>
    public readonly BorrowedReference Borrow() => pointer == 0 ? throw Py.FetchError() : new BorrowedReference(pointer);

    /// <summary>Hands the reference to a function that steals it; this then owns nothing.</summary>
    public StolenReference Steal()
    {
        if (pointer == 0)
        {
            throw Py.FetchError();
        }
        nint stolen = pointer;
        pointer = 0;
        return new StolenReference(stolen);
    }

    /// <summary>Hands the reference to a heap owner; throws the pending Python error when it is null.</summary>
    public PyObject MoveToPyObject() => PyObject.FromStolen(Steal());

    /// <summary>Hands the reference to a guarded stack-only owner; throws the pending Python error when it is null.</summary>
    public PyReference MoveToPyReference() => new(Steal());

    public void Dispose()
    {
        if (pointer != 0)
        {
            PendingDecrefs.Release(Steal());
        }
    }
}
