namespace DqnBridge.Python;

/// <summary>
/// A reference on its way into a C API function that steals it (<c>PyTuple_SetItem</c>, <c>PyList_SetItem</c>,
/// <c>Py_DecRef</c>), as pythonnet's <c>StolenReference</c>: the callee owns it after the call, whether the call
/// succeeded or not. Made only by <see cref="NewReference.Steal"/>, which leaves the <see cref="NewReference"/> empty,
/// so the reference cannot also be released by its former owner.
/// </summary>
internal readonly ref struct StolenReference
{
    private readonly nint pointer;

    /// <summary>For code that owned a raw pointer (a SafeHandle, the pending-decref queue) and hands it over now.</summary>
    internal StolenReference(nint pointer) => this.pointer = pointer;

    internal nint Address => pointer;
}
