using System.Diagnostics;

namespace DqnBridge.Python.Tests;

[TestClass]
public sealed class BridgeTests
{
    [TestMethod]
    public void ConversionsRoundTripBothWays()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define("def echo(x):\n    return x\ndef kinds(*a):\n    return [type(v).__name__ for v in a]\n");
        using var echo = scope["echo"];
        var dict = new Dictionary<string, object?> { ["a"] = 1L, ["b"] = null };
        object?[] values = [null, true, 42L, 2.5, "héllo", new object?[] { 1L, "x" }, new List<object?> { 1.5, false }];
        foreach (object? value in values)
        {
            object? input = value is object?[] tupleItems ? (tupleItems[0], tupleItems[1]) : value;
            using var result = echo.Invoke(input);
            object? back = result.ToManaged();
            if (value is System.Collections.IEnumerable seq and not string)
            {
                CollectionAssert.AreEqual(seq.Cast<object?>().ToList(), ((System.Collections.IEnumerable)back!).Cast<object?>().ToList());
            }
            else
            {
                Assert.AreEqual(value, back);
            }
        }
        using var dictBack = echo.Invoke(dict);
        var managed = (Dictionary<object, object?>)dictBack.ToManaged()!;
        Assert.AreEqual(1L, managed["a"]);
        Assert.IsNull(managed["b"]);

        using var kinds = scope["kinds"];
        using var names = kinds.Invoke(null, true, 1, 1.0f, "s", (1, 2), new[] { 1, 2 }, dict);
        CollectionAssert.AreEqual(
            new object?[] { "NoneType", "bool", "int", "float", "str", "tuple", "list", "dict" },
            (List<object?>)names.ToManaged()!);
    }

    [TestMethod]
    public void KeywordArgumentsAndAttributesWork()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define("def f(a, b=2, *, c=3):\n    return a * 100 + b * 10 + c\n");
        using var f = scope["f"];
        using var result = f.Invoke([1], new Dictionary<string, object?> { ["c"] = 7, ["b"] = 5 });
        Assert.AreEqual(157, result.As<int>());
        using var math = Py.Import("math");
        using var pi = math.GetAttr("pi");
        Assert.AreEqual(Math.PI, pi.As<double>());
    }

    private static (long, long) ToPair(PyObject tuple)
    {
        var items = (object?[])tuple.ToManaged()!;
        return ((long)items[0]!, (long)items[1]!);
    }

    [TestMethod]
    public void PythonExceptionCarriesTypeMessageAndTracebackAndInterpreterStaysUsable()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define("def inner():\n    raise KeyError('missing-key')\ndef outer():\n    inner()\n");
        using var outer = scope["outer"];
        var error = Assert.ThrowsExactly<PythonException>(() => outer.Invoke().Dispose());
        Assert.AreEqual("KeyError", error.PythonType);
        Assert.Contains("missing-key", error.PythonMessage);
        Assert.Contains("in inner", error.PythonTraceback);
        Assert.Contains("in outer", error.PythonTraceback);
        Assert.Contains("Traceback", error.ToString());

        var importError = Assert.ThrowsExactly<PythonException>(() => Py.Import("no_such_module_xyz").Dispose());
        Assert.AreEqual("ModuleNotFoundError", importError.PythonType);

        using var value = PythonEngine.Eval("1 + 1");
        Assert.AreEqual(2, value.As<int>());
    }

    [TestMethod]
    public void AMillionCallsLeaveObjectCountRefcountAndMemoryFlat()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define(
            "import gc, sys\nprobe = object()\ndef f(x):\n    return x\ndef census():\n    gc.collect()\n    return len(gc.get_objects()), sys.getrefcount(probe)\n");
        using var f = scope["f"];
        using var probe = scope["probe"];
        using var census = scope["census"];

        void Calls(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var result = f.Invoke(probe);
            }
        }

        Calls(100_000); // warm up caches and the JIT
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var before = census.Invoke();
        var (objectsBefore, refsBefore) = ((long, long))ToPair(before);
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;

        Calls(1_000_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var after = census.Invoke();
        var (objectsAfter, refsAfter) = ToPair(after);
        long rssAfter = Process.GetCurrentProcess().WorkingSet64;

        Assert.AreEqual(refsBefore, refsAfter, "the probe's reference count changed: references leaked");
        Assert.IsLessThan(100, Math.Abs(objectsAfter - objectsBefore), $"gc objects went from {objectsBefore} to {objectsAfter}");
        Assert.IsLessThan(16L << 20, rssAfter - rssBefore, $"RSS grew from {rssBefore} to {rssAfter}");
    }

    [TestMethod]
    public void StackOwnedResultsReleaseOrHandOverTheirReference()
    {
        using var gil = Py.GIL();
        using var scope = PythonFixture.Define("import sys\nkept = [1.5]\ndef get():\n    return kept\ndef count():\n    return sys.getrefcount(kept)\n");
        using var get = scope["get"];
        using var count = scope["count"];
        long References()
        {
            using var references = count.Invoke();
            return references.As<long>();
        }
        long before = References();
        for (int i = 0; i < 1000; i++)
        {
            using var result = get.Call();
            Assert.IsFalse(result.IsNone);
        }
        Assert.AreEqual(before, References(), "each stack-owned result gave its reference back");

        PyObject moved;
        using (var result = get.Call())
        {
            moved = result.MoveToPyObject();
        }
        Assert.AreEqual(before + 1, References(), "the moved reference is still owned");
        Assert.AreEqual(1.5, ((List<object?>)moved.ToManaged()!)[0]);
        moved.Dispose();
        Assert.AreEqual(before, References());
    }

    [TestMethod]
    public void CallsFromSeveralDotnetThreadsAndPythonThreadsRunWhileDotnetWorks()
    {
        using (Py.GIL())
        {
            PythonEngine.Exec(
                "import threading, time, builtins\nbuiltins._dqn_ticks = 0\n" +
                "def _tick():\n    for _ in range(50):\n        builtins._dqn_ticks += 1\n        time.sleep(0.002)\n" +
                "builtins._dqn_thread = threading.Thread(target=_tick)\nbuiltins._dqn_thread.start()\n");
        }
        // No GIL held between the checks: the Python thread must make progress while .NET waits. Waits for the
        // condition itself (a minute at most, for a loaded machine), not for a fixed time.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        int ticks = 0;
        while (ticks <= 10 && DateTime.UtcNow < deadline)
        {
            Thread.Yield();
            using var gil = Py.GIL();
            using var current = PythonEngine.Eval("_dqn_ticks");
            ticks = current.As<int>();
        }
        Assert.IsGreaterThan(10, ticks, "the Python thread ran while .NET held no GIL");

        PyObject scope;
        using (Py.GIL())
        {
            scope = PythonFixture.Define("import threading\nlock = threading.Lock()\ntotal = [0]\ndef add(n):\n    with lock:\n        total[0] += n\n    return n\n");
        }
        var threads = Enumerable.Range(1, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                using var gil = Py.GIL();
                using var add = scope["add"];
                using var result = add.Invoke(t);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        using (Py.GIL())
        {
            using var total = PythonEngine.Eval("total[0]", scope);
            Assert.AreEqual(2000 * (1 + 2 + 3 + 4), total.As<int>());
            scope.Dispose();
        }
    }
}
