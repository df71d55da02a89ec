using System.Diagnostics;
using System.Text.Json;
using Python.Runtime;

namespace DqnBridge.Python.Tests;

/// <summary>What this layer adds to pythonnet: errors as <see cref="PythonError"/>, plain values both ways, and a GIL left free.</summary>
[TestClass]
public sealed class BridgeTests
{
    [TestMethod]
    public void PythonErrorCarriesTypeMessageAndTracebackAndInterpreterStaysUsable()
    {
        using var gil = Py.GIL();
        using PyModule scope = PythonFixture.Define(
            "import json\ndef inner():\n    raise KeyError('missing-key')\ndef outer():\n    inner()\ndef bad_json():\n    json.loads('{')\n");
        using PyObject outer = scope.Get("outer");
        var raised = Assert.ThrowsExactly<PythonException>(() => outer.Invoke().Dispose());
        PythonError error = PythonError.From(raised);
        Assert.AreEqual("KeyError", error.PythonType);
        Assert.AreEqual("'missing-key'", error.PythonMessage);
        Assert.Contains("in inner", error.PythonTraceback);
        Assert.Contains("in outer", error.PythonTraceback);
        Assert.Contains("Python traceback:", error.ToString());
        Assert.IsNull(error.InnerException, "it holds no Python objects, so it can be kept and printed without the GIL");

        using PyObject badJson = scope.Get("bad_json");
        var decodeError = PythonError.From(Assert.ThrowsExactly<PythonException>(() => badJson.Invoke().Dispose()));
        Assert.AreEqual("json.decoder.JSONDecodeError", decodeError.PythonType, "types outside builtins are named with their module");

        var importError = PythonError.From(Assert.ThrowsExactly<PythonException>(() => Py.Import("no_such_module_xyz").Dispose()));
        Assert.AreEqual("ModuleNotFoundError", importError.PythonType);

        using PyObject value = PythonEngine.Eval("1 + 1");
        Assert.AreEqual(2, value.As<int>(), "the error indicator was cleared");
    }

    [TestMethod]
    public void DotnetValuesBecomePlainPythonValues()
    {
        using var gil = Py.GIL();
        using PyModule scope = PythonFixture.Define("def kinds(*a):\n    return [type(v).__name__ for v in a]\ndef echo(x):\n    return x\n");
        using PyObject kinds = scope.Get("kinds");
        var nested = new Dictionary<string, object?> { ["continuous"] = false, ["gravity"] = -10.0, ["laps"] = 3, ["name"] = "x", ["sizes"] = new[] { 1, 2 } };
        using PyTuple arguments = PythonValues.Tuple([null, true, 1, 2L, 1.0f, 2.5, "s", new[] { 1, 2 }, nested]);
        using PyObject names = kinds.Invoke(arguments);
        CollectionAssert.AreEqual(
            new[] { "NoneType", "bool", "int", "int", "float", "float", "str", "list", "dict" },
            PythonValues.ToJson(names).EnumerateArray().Select(n => n.GetString()).ToArray());

        using PyObject echo = scope.Get("echo");
        using PyObject dict = PythonValues.ToPython(nested);
        using PyObject back = echo.Invoke(dict);
        JsonElement json = PythonValues.ToJson(back);
        Assert.IsFalse(json.GetProperty("continuous").GetBoolean());
        Assert.AreEqual("-10.0", json.GetProperty("gravity").GetRawText(), "a double stays a float");
        Assert.AreEqual("3", json.GetProperty("laps").GetRawText());
        Assert.AreEqual("x", json.GetProperty("name").GetString());
        Assert.AreEqual("[1, 2]", json.GetProperty("sizes").GetRawText());

        Assert.ThrowsExactly<ArgumentException>(() => PythonValues.ToPython(new object()), "a .NET object is refused, not wrapped");
        using PyDict keywords = PythonValues.Keywords([KeyValuePair.Create("render_mode", (object?)null)]);
        Assert.IsTrue(keywords.HasKey("render_mode"));
    }

    [TestMethod]
    public void PlainPythonDataComesBackAsJsonNonFiniteNumbersIncluded()
    {
        using var gil = Py.GIL();
        using PyObject data = PythonEngine.Eval("{'low': [float('-inf'), -1.5, 0], 'high': (float('inf'), 2), 'n': None, 'ok': True, 3: 'x'}");
        JsonElement json = PythonValues.ToJson(data);
        CollectionAssert.AreEqual(new[] { double.NegativeInfinity, -1.5, 0 }, json.GetProperty("low").EnumerateArray().Select(PythonValues.Number).ToArray());
        CollectionAssert.AreEqual(new[] { double.PositiveInfinity, 2 }, json.GetProperty("high").EnumerateArray().Select(PythonValues.Number).ToArray());
        Assert.AreEqual(JsonValueKind.Null, json.GetProperty("n").ValueKind);
        Assert.IsTrue(json.GetProperty("ok").GetBoolean());
        Assert.AreEqual("x", json.GetProperty("3").GetString(), "keys become strings");
        using PyObject nan = PythonEngine.Eval("[float('nan')]");
        Assert.IsTrue(double.IsNaN(PythonValues.Number(PythonValues.ToJson(nan)[0])));
    }

    [TestMethod]
    public void TheGilIsFreeOutsideGilBlocksSoPythonThreadsRunWhileDotnetWorks()
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
            using PyObject current = PythonEngine.Eval("_dqn_ticks");
            ticks = current.As<int>();
        }
        Assert.IsGreaterThan(10, ticks, "the Python thread ran while .NET held no GIL");
    }

    [TestMethod]
    public void SeveralDotnetThreadsTakeTheGilAroundTheirPythonWork()
    {
        PyModule scope;
        using (Py.GIL())
        {
            scope = PythonFixture.Define("import threading\nlock = threading.Lock()\ntotal = [0]\ndef add(n):\n    with lock:\n        total[0] += n\n    return n\n");
        }
        var threads = Enumerable.Range(1, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                using var gil = Py.GIL();
                using PyObject add = scope.Get("add");
                using var argument = new PyInt(t);
                using PyObject result = add.Invoke(argument);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        using (Py.GIL())
        {
            using PyObject total = scope.Eval("total[0]");
            Assert.AreEqual(2000 * (1 + 2 + 3 + 4), total.As<int>());
            scope.Dispose();
        }
    }

    [TestMethod]
    public void HotLoopCallsLeaveObjectCountRefcountAndMemoryFlat()
    {
        // The step pattern of the Gymnasium drivers: a bound method called with a tuple made once, its result disposed.
        using var gil = Py.GIL();
        using PyModule scope = PythonFixture.Define(
            "import gc, sys\nimport numpy as np\nprobe = np.zeros(4, np.int64)\ncalls = [0]\n" +
            "def step(actions):\n    calls[0] += 1\n    return int(actions[0])\n" +
            "def census():\n    gc.collect()\n    return [len(gc.get_objects()), sys.getrefcount(probe)]\n");
        using PyObject step = scope.Get("step");
        using PyObject probe = scope.Get("probe");
        using PyObject census = scope.Get("census");
        using var arguments = new PyTuple([probe]);

        void Calls(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using PyObject result = step.Invoke(arguments);
            }
        }

        (long Objects, long References) Census()
        {
            using PyObject counts = census.Invoke();
            JsonElement json = PythonValues.ToJson(counts);
            return (json[0].GetInt64(), json[1].GetInt64());
        }

        Calls(50_000); // warm up caches and the JIT
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Census();
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;

        Calls(500_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var after = Census();
        long rssAfter = Process.GetCurrentProcess().WorkingSet64;

        Assert.AreEqual(before.References, after.References, "the argument's reference count changed: references leaked");
        Assert.IsLessThan(100, Math.Abs(after.Objects - before.Objects), $"gc objects went from {before.Objects} to {after.Objects}");
        Assert.IsLessThan(16L << 20, rssAfter - rssBefore, $"RSS grew from {rssBefore} to {rssAfter}");
    }
}
