namespace DqnBridge.Python;

/// <summary>
/// A <c>PyObject*</c> lent by whoever owns it, as pythonnet's <c>BorrowedReference</c>: valid only while that
/// owner keeps the object alive, and never increfed or decrefed through this type. Stack-only, so it cannot
/// be kept past the owner's lifetime by accident; one pointer wide, so it is a C API parameter type as is.
/// </summary>
public readonly ref struct BorrowedReference
{
    private readonly nint pointer;

    internal BorrowedReference(nint pointer) => this.pointer = pointer;

    public bool IsNull => pointer == 0;

    public bool IsNone => pointer == CApi.NoneAddress;

    /// <summary>Whether both refer to the same Python object (Python's <c>is</c>).</summary>
    public bool Is(BorrowedReference other) => pointer == other.pointer;

    /// <summary>The raw pointer, for code that keeps references outside these types (e.g. the pending-decref queue).</summary>
    internal nint Address => pointer;
}
