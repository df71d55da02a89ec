using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Python.Runtime;

namespace DqnBridge.Python.Tests;

/// <summary>
/// The ownership rules as DqnBridge uses pythonnet: every PyObject has one owner that disposes it under the GIL; one
/// dropped without Dispose is finalized without taking the GIL (pythonnet queues its decref for the next GIL holder);
/// the NumPy views of this layer own their array.
/// </summary>
[TestClass]
public sealed unsafe partial class OwnershipTests
{
    private const string Tracking =
        "import sys\n" +
        "freed = [0]\n" +
        "class Tracked:\n" +
        "    def __del__(self):\n" +
        "        freed[0] += 1\n" +
        "def make():\n" +
        "    return Tracked()\n" +
        "def references(x):\n" +
        "    return sys.getrefcount(x)\n";

    /// <summary>
    /// pythonnet also frees its queue by itself every few hundred new PyObjects (<see cref="Finalizer.Threshold"/>); these
    /// tests free it only when they say so.
    /// </summary>
    [TestInitialize]
    public void OnlyExplicitCollections()
    {
        _threshold = Finalizer.Instance.Threshold;
        Finalizer.Instance.Threshold = int.MaxValue;
    }

    [TestCleanup]
    public void PythonnetsOwnCollections() => Finalizer.Instance.Threshold = _threshold;

    private int _threshold;

    private static long Freed(PyModule scope)
    {
        using PyObject count = scope.Eval("freed[0]");
        return count.As<long>();
    }

    private static long References(PyModule scope, PyObject target)
    {
        using PyObject references = scope.Get("references");
        using PyObject count = references.Invoke(target);
        return count.As<long>();
    }

    /// <summary>Makes objects and drops them without Dispose; not inlined, so nothing on this frame keeps them alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropWithoutDispose(PyObject make, int count)
    {
        for (int i = 0; i < count; i++)
        {
            _ = make.Invoke();
        }
    }

    [TestMethod]
    public void ObjectsDroppedWithoutDisposeAreFinalizedWithoutTheGilAndFreedByTheNextHolder()
    {
        using var gil = Py.GIL();
        using PyModule scope = PythonFixture.Define(Tracking);
        using PyObject make = scope.Get("make");
        Finalizer.Instance.Collect(); // start from an empty queue
        DropWithoutDispose(make, 100);

        // This thread holds the GIL, so a finalizer that took it would never finish: pythonnet's queue their decrefs instead.
        GC.Collect();
        Assert.IsTrue(Task.Run(GC.WaitForPendingFinalizers).Wait(TimeSpan.FromMinutes(2)), "the finalizer thread blocked while the test thread held the GIL");
        Assert.AreEqual(0, Freed(scope), "nothing is decrefed on the finalizer thread");

        Finalizer.Instance.Collect(); // what pythonnet does itself every few hundred new PyObjects
        Assert.AreEqual(100, Freed(scope), "the GIL holder gave back every queued reference");
    }

    [TestMethod]
    public void FinalizersDoNotWaitForAThreadHoldingTheGilInALongPythonCall()
    {
        PyModule scope;
        PyObject hold, make;
        int readyRead, readyWrite, releaseRead, releaseWrite;
        using (Py.GIL())
        {
            scope = PythonFixture.Define(
                Tracking +
                "import ctypes, os\n" +
                "_libc = ctypes.PyDLL(None)  # PyDLL keeps the GIL held during the foreign call\n" +
                "def hold_gil_until_released(ready_fd, release_fd):\n" +
                "    _libc.write(ready_fd, b'r', 1)\n" +
                "    byte = ctypes.create_string_buffer(1)\n" +
                "    return _libc.read(release_fd, byte, 1)\n" +
                "ready = os.pipe()\nrelease = os.pipe()\n");
            hold = scope.Get("hold_gil_until_released");
            make = scope.Get("make");
            Finalizer.Instance.Collect();
            int Descriptor(string expression)
            {
                using PyObject fd = scope.Eval(expression);
                return fd.As<int>();
            }
            (readyRead, readyWrite) = (Descriptor("ready[0]"), Descriptor("ready[1]"));
            (releaseRead, releaseWrite) = (Descriptor("release[0]"), Descriptor("release[1]"));
            DropWithoutDispose(make, 50);
        }

        var holder = new Thread(() =>
        {
            using var gil = Py.GIL();
            using var ready = new PyInt(readyWrite);
            using var release = new PyInt(releaseRead);
            using PyObject bytesRead = hold.Invoke(ready, release);
        });
        holder.Start();
        byte signal;
        Assert.AreEqual(1, (int)Read(readyRead, &signal, 1), "Python reached its blocking call, GIL held");

        bool finalizersFinished;
        try
        {
            GC.Collect();
            finalizersFinished = Task.Run(GC.WaitForPendingFinalizers).Wait(TimeSpan.FromMinutes(2));
        }
        finally
        {
            // The event the Python call waits for, set only after the finalizers returned.
            byte go = 1;
            Write(releaseWrite, &go, 1);
            holder.Join();
        }
        Assert.IsTrue(finalizersFinished, "a finalizer waited for the GIL held by a long Python call");

        using (Py.GIL())
        {
            Finalizer.Instance.Collect();
            Assert.AreEqual(50, Freed(scope), "the queued decrefs ran once a thread held the GIL again");
            scope.Exec("import os\nfor _fd in ready + release:\n    os.close(_fd)\n");
            hold.Dispose();
            make.Dispose();
            scope.Dispose();
        }
    }

    [TestMethod]
    public void ANumpyViewOwnsOneReferenceToItsArrayUntilDisposed()
    {
        using var gil = Py.GIL();
        using PyModule scope = PythonFixture.Define(Tracking);
        using PyObject array = PythonEngine.Eval("__import__('numpy').full(3, 2.5, dtype='float32')");
        long before = References(scope, array);

        var view = new NumpyArray(array);
        Assert.AreEqual(before + 1, References(scope, array), "the view holds the array");
        Assert.AreEqual(2.5f, view.AsSpan<float>()[0]);
        view.Dispose();
        Assert.AreEqual(before, References(scope, array), "and gives its reference back");
        Assert.ThrowsExactly<ObjectDisposedException>(() => view.AsBytes().ToArray(), "a disposed view would read memory it no longer keeps alive");
        view.Dispose();
        Assert.AreEqual(before, References(scope, array), "disposing twice gives back nothing more");
    }

    [TestMethod]
    public void ConvertedArgumentsAreReleasedOnceTheCallIsDone()
    {
        using var gil = Py.GIL();
        using PyModule scope = PythonFixture.Define(Tracking + "kept = [1.5]\n");
        using PyObject kept = scope.Get("kept");
        long before = References(scope, kept);
        for (int i = 0; i < 1000; i++)
        {
            using PyTuple arguments = PythonValues.Tuple([kept, 1, "x"]);
            using PyObject list = PythonValues.ToPython(new object?[] { kept, new Dictionary<string, object?> { ["k"] = kept } });
        }
        Assert.AreEqual(before, References(scope, kept), "every conversion's reference to the object was given back");
    }

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint Write(int fd, byte* buffer, nint count);
}
