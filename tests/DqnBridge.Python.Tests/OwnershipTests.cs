using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DqnBridge.Python.Tests;

/// <summary>The ownership rules of the bridge: who releases what, exactly once, and never by waiting for the GIL in a finalizer.</summary>
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
        "kept = [1.5]\n" +
        "def get():\n" +
        "    return kept\n" +
        "def references(x):\n" +
        "    return sys.getrefcount(x)\n";

    /// <summary>How many Tracked objects Python freed; reads without taking the GIL again (which would drain the queue).</summary>
    private static long Freed(PyObject scope)
    {
        using var freed = scope["freed"];
        using var count = freed[0];
        return count.As<long>();
    }

    private static long References(PyObject scope, PyObject target)
    {
        using var references = scope["references"];
        using var count = references.Invoke(target);
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

    /// <summary>Collects and waits for finalizers, failing (instead of hanging) if a finalizer blocks.</summary>
    private static void CollectAndFinalize(string whileWhat)
    {
        GC.Collect();
        Task finalizers = Task.Run(GC.WaitForPendingFinalizers);
        Assert.IsTrue(finalizers.Wait(TimeSpan.FromMinutes(2)), $"the finalizer thread blocked {whileWhat}");
    }

    private delegate void RefAction<T>(ref T value) where T : allows ref struct;

    /// <summary>The exception <paramref name="action"/> throws on <paramref name="value"/>, a ref struct (which a lambda cannot capture).</summary>
    private static TException Throws<TException, T>(ref T value, RefAction<T> action, string message = "")
        where TException : Exception
        where T : allows ref struct
    {
        try
        {
            action(ref value);
        }
        catch (TException e)
        {
            return e;
        }
        Assert.Fail($"no {typeof(TException).Name}: {message}");
        return null!;
    }

    [TestMethod]
    public void NoneIsBorrowedAndNeedsNoDispose()
    {
        using var gil = Py.GIL();
        using var none = PyObject.FromManaged(null);
        using var scope = PythonFixture.Define(Tracking);
        long before = References(scope, none);
        for (int i = 0; i < 1000; i++)
        {
            BorrowedReference borrowed = Py.None;
            Assert.IsTrue(borrowed.IsNone);
            Assert.IsTrue(borrowed.Is(none.Reference));
        }
        Assert.AreEqual(before, References(scope, none), "borrowing None neither adds nor drops a reference");
    }

    [TestMethod]
    public void ObjectsDroppedWithoutDisposeAreDecrefedWhenTheGilIsNextTaken()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define(Tracking);
        using var make = scope["make"];
        DropWithoutDispose(make, 100);

        // This thread holds the GIL, so a finalizer that took it would never finish: they queue their decrefs instead.
        CollectAndFinalize("while the test thread held the GIL");
        Assert.AreEqual(0, Freed(scope), "nothing is decrefed until the GIL is next taken");

        using (Py.GIL())
        {
            Assert.AreEqual(100, Freed(scope), "taking the GIL gave back every queued reference");
        }
    }

    [TestMethod]
    public void FinalizersAndDisposalsDoNotWaitForAThreadHoldingTheGilInALongPythonCall()
    {
        PyObject scope, hold, make, extra;
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
            hold = scope["hold_gil_until_released"];
            make = scope["make"];
            extra = make.Invoke();
            using var ready = scope["ready"];
            using var release = scope["release"];
            (readyRead, readyWrite) = (ready.TupleItem(0).As<int>(), ready.TupleItem(1).As<int>());
            (releaseRead, releaseWrite) = (release.TupleItem(0).As<int>(), release.TupleItem(1).As<int>());
            DropWithoutDispose(make, 50);
        }

        var holder = new Thread(() =>
        {
            using var gil = Py.GIL();
            using var bytesRead = hold.Invoke(readyWrite, releaseRead);
        });
        holder.Start();
        byte signal;
        Assert.AreEqual(1, (int)Read(readyRead, &signal, 1), "Python reached its blocking call, GIL held");

        bool finalizersFinished, disposeReturned;
        try
        {
            GC.Collect();
            finalizersFinished = Task.Run(GC.WaitForPendingFinalizers).Wait(TimeSpan.FromMinutes(2));
            disposeReturned = Task.Run(extra.Dispose).Wait(TimeSpan.FromMinutes(2));
        }
        finally
        {
            // The event the Python call waits for, set only after the finalizers (and the Dispose) returned.
            byte go = 1;
            Write(releaseWrite, &go, 1);
            holder.Join();
        }
        Assert.IsTrue(finalizersFinished, "a finalizer waited for the GIL held by a long Python call");
        Assert.IsTrue(disposeReturned, "Dispose on a thread without the GIL waited for it");

        using (Py.GIL())
        {
            Assert.AreEqual(51, Freed(scope), "the queued decrefs ran when the GIL was next taken");
            PythonEngine.Exec("import os\nfor _fd in ready + release:\n    os.close(_fd)\n", scope);
            hold.Dispose();
            make.Dispose();
            scope.Dispose();
        }
    }

    [TestMethod]
    public void ACopiedPyReferenceGivesItsReferenceBackOnce()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define(Tracking);
        using var get = scope["get"];
        using var kept = scope["kept"];
        long before = References(scope, kept);

        PyReference original = get.Call();
        PyReference copy = original;
        original.Dispose();
        Assert.AreEqual(before, References(scope, kept));

        var secondRelease = Throws<InvalidOperationException, PyReference>(ref copy, (ref PyReference r) => r.Dispose(),
            "disposing a copy after the original must throw, not decref again");
        Assert.Contains("copy", secondRelease.Message);
        Assert.AreEqual(before, References(scope, kept), "the reference was given back exactly once");

        Throws<ObjectDisposedException, PyReference>(ref copy, (ref PyReference r) => _ = r.IsNone, "a released copy cannot be used");

        PyReference moving = get.Call();
        PyReference movingCopy = moving;
        using (PyObject moved = moving.MoveToPyObject())
        {
            Assert.AreEqual(before + 1, References(scope, kept));
            Throws<InvalidOperationException, PyReference>(ref movingCopy, (ref PyReference r) => r.Dispose(),
                "a copy of a moved reference owns nothing");
            moving.Dispose(); // the moved-from original itself owns nothing: no-op
        }
        Assert.AreEqual(before, References(scope, kept));
    }

    private static float FirstElement(NumpyArray array) => array.AsSpan<float>()[0];

    [TestMethod]
    public void ACopiedNumpyArrayReleasesItsBufferOnce()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define(Tracking);
        using var array = PythonEngine.Eval("__import__('numpy').full(3, 2.5, dtype='float32')");
        long before = References(scope, array);

        var view = new NumpyArray(array);
        Assert.AreEqual(before + 1, References(scope, array), "the view holds the array");
        Assert.AreEqual(2.5f, FirstElement(view), "passing the view by value to a reader is fine");
        NumpyArray copy = view;
        copy.Dispose();
        Assert.AreEqual(before, References(scope, array));

        Throws<ObjectDisposedException, NumpyArray>(ref view, (ref NumpyArray r) => _ = r.AsSpan<float>(),
            "reading through a released copy would read freed memory; it throws");

        Throws<InvalidOperationException, NumpyArray>(ref view, (ref NumpyArray r) => r.Dispose(), "the buffer is released once");
        Assert.AreEqual(before, References(scope, array));
    }

    [TestMethod]
    public void AGilScopeIsReleasedOnceInnermostFirstOnItsOwnThread()
    {
        GilScope outer = Py.GIL();
        GilScope inner = Py.GIL();
        var outOfOrder = Throws<InvalidOperationException, GilScope>(ref outer, (ref GilScope r) => r.Dispose());
        Assert.Contains("innermost first", outOfOrder.Message);
        Assert.IsTrue(outer.IsHeld, "the refused release released nothing");

        GilScope copy = inner;
        copy.Dispose();
        Assert.IsFalse(inner.IsHeld, "a copy shares the release");
        var twice = Throws<InvalidOperationException, GilScope>(ref inner, (ref GilScope r) => r.Dispose());
        Assert.Contains("already released", twice.Message);

        // Safe code cannot move a ref struct to another thread; unsafe code can, and is refused.
        InvalidOperationException? otherThread = null;
        void* outerAddress = Unsafe.AsPointer(ref outer);
        var thread = new Thread(() =>
        {
            try
            {
                Unsafe.AsRef<GilScope>(outerAddress).Dispose();
            }
            catch (InvalidOperationException e)
            {
                otherThread = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.IsNotNull(otherThread);
        Assert.Contains("cannot be released on thread", otherThread.Message);

        outer.Dispose();
        Assert.IsFalse(outer.IsHeld);
        using var gil = Py.GIL(); // the GIL state is intact: it can be taken and used again
        using var two = PythonEngine.Eval("1 + 1");
        Assert.AreEqual(2, two.As<int>());
    }

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint Write(int fd, byte* buffer, nint count);
}
