using System.Collections.Concurrent;

namespace DqnBridge.Python;

/// <summary>
/// Gives references back to Python without ever waiting for the GIL, as pythonnet's <c>Finalizer</c>: a thread that
/// holds the GIL decrefs at once; any other thread, above all the .NET finalizer thread, queues the reference, and
/// the next thread to take the GIL (<see cref="Py.GIL"/>) drains the queue. Taking the GIL in a finalizer would wait
/// behind whatever long Python call holds it, and deadlock when that holder waits for finalizers.
/// </summary>
internal static unsafe class PendingDecrefs
{
    /// <summary>Each entry is a reference the queue owns until <see cref="Drain"/> gives it back.</summary>
    private static readonly ConcurrentQueue<nint> Queue = new();

    /// <summary>Queued and not yet drained; a plain counter so that checking it on every GIL acquire costs one read.</summary>
    private static int pending;

    public static bool Any => Volatile.Read(ref pending) != 0;

    /// <summary>Decrefs now when this thread holds the GIL, else queues the decref. Never blocks.</summary>
    public static void Release(StolenReference reference)
    {
        // After shutdown Python must not run again; the process is exiting and the reference goes with it.
        if (!PythonEngine.IsInitialized)
        {
            return;
        }
        if (CApi.PyGILState_Check() == 1)
        {
            CApi.Py_DecRef(reference);
        }
        else
        {
            Queue.Enqueue(reference.Address);
            Interlocked.Increment(ref pending);
        }
    }

    /// <summary>Gives back every queued reference. Call with the GIL held.</summary>
    public static void Drain()
    {
        while (Queue.TryDequeue(out nint pointer))
        {
            Interlocked.Decrement(ref pending);
            CApi.Py_DecRef(new StolenReference(pointer));
        }
    }
}
