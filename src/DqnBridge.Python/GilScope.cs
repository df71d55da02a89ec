namespace DqnBridge.Python;

/// <summary>
/// Holds the GIL on this thread until disposed; made by <see cref="Py.GIL"/>, as pythonnet's <c>Py.GILState</c>.
/// A ref struct, so in safe code it cannot be stored on the heap, captured by a lambda or kept across an
/// <c>await</c>: it is released on the thread that took it. At run time it also refuses (with an
/// <see cref="InvalidOperationException"/>, before releasing anything) a second release through a copy,
/// a release on another thread, and releasing an outer scope while an inner one is still open.
/// </summary>
public unsafe ref struct GilScope
{
    private Ownership ownership;
    private readonly int state;
    private readonly int level;

    private GilScope(OwnerThread thread, int state)
    {
        ownership = Ownership.Take(thread);
        this.state = state;
        level = ++thread.OpenGilScopes;
    }

    internal static GilScope Acquire()
    {
        int state = CApi.PyGILState_Ensure();
        // References released where the GIL was not held (finalizers) are given back now that it is.
        if (PendingDecrefs.Any)
        {
            PendingDecrefs.Drain();
        }
        return new GilScope(OwnerThread.Current, state);
    }

    /// <summary>False once released (through this value or a copy).</summary>
    public readonly bool IsHeld => ownership.IsHeld;

    public void Dispose()
    {
        if (!ownership.IsSet)
        {
            return;
        }
        ownership.ThrowIfReleasedThroughACopy("GIL scope");
        OwnerThread thread = OwnerThread.Current;
        if (ownership.Thread != thread)
        {
            throw new InvalidOperationException(
                $"This GIL scope belongs to thread {ownership.Thread!.ManagedThreadId} and cannot be released on thread {thread.ManagedThreadId}.");
        }
        if (level != thread.OpenGilScopes)
        {
            throw new InvalidOperationException(
                $"GIL scopes must be released innermost first: this one is number {level} but {thread.OpenGilScopes} are open on this thread.");
        }
        ownership.Release();
        ownership = default;
        thread.OpenGilScopes--;
        CApi.PyGILState_Release(state);
    }
}
