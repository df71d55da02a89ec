using System.Diagnostics;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Benchmarks;

/// <summary>
/// Microseconds per crossing through pythonnet as DqnBridge makes them, each beside the same Python work done in a plain
/// Python loop in the same embedded interpreter (time.perf_counter), so both share one Python and one machine state:
///   bridge [python]
/// The rows go from the bare call up to a whole step as the Gymnasium drivers make it (GIL taken, bound method called
/// with a tuple made once, results written by Python into pinned .NET memory, the call's result disposed), so the
/// differences between rows say where a step's time goes.
/// </summary>
internal static class BridgeBenchmark
{
    private const string Functions =
        "import numpy as np, time\n" +
        "_state = np.arange(4, dtype=np.float32)\n" +
        "_frames = np.zeros((4, 84, 84), dtype=np.uint8)\n" +
        "def trivial():\n    return None\n" +
        "def one_argument(actions):\n    return None\n" +
        "def step_small(actions):\n    small_out[...] = _state * 1.0\n    return 0\n" +     // a fresh float32[4], written into .NET memory
        "def step_frame(actions):\n    frame_out[...] = _frames\n    return 0\n" +         // a uint8[4,84,84] frame, likewise
        "def fresh_small():\n    return _state * 1.0\n" +
        "def python_loop(f, n):\n" +
        "    start = time.perf_counter()\n" +
        "    for _ in range(n):\n        f()\n" +
        "    return time.perf_counter() - start\n" +
        "def python_loop_with(f, argument, n):\n" +
        "    start = time.perf_counter()\n" +
        "    for _ in range(n):\n        f(argument)\n" +
        "    return time.perf_counter() - start\n";

    public static void Run(string[] args)
    {
        string? python = args.Length > 0 ? args[0] : null;
        PythonInterpreter interpreter = PythonRuntime.Start(python);
        Console.WriteLine($"Python {interpreter.Version} from {interpreter.Description}; pythonnet {typeof(PythonEngine).Assembly.GetName().Version}");
        float[] small = GC.AllocateArray<float>(4, pinned: true);
        byte[] frame = GC.AllocateArray<byte>(4 * 84 * 84, pinned: true);
        long[] actions = GC.AllocateArray<long>(1, pinned: true);
        float[] smallCopy = new float[4];
        PyModule scope;
        PyObject trivial, oneArgument, stepSmall, stepFrame, freshSmall, pythonLoop, pythonLoopWith;
        PyTuple none, actionArguments;
        PyObject actionView;
        using (Py.GIL())
        {
            scope = Py.CreateScope();
            using (PyObject smallView = Numpy.ViewOf(small, 4))
            using (PyObject frameView = Numpy.ViewOf(frame, 4, 84, 84))
            {
                scope.Set("small_out", smallView);
                scope.Set("frame_out", frameView);
            }
            scope.Exec(Functions);
            (trivial, oneArgument, stepSmall, stepFrame, freshSmall) = (scope.Get("trivial"), scope.Get("one_argument"), scope.Get("step_small"), scope.Get("step_frame"), scope.Get("fresh_small"));
            (pythonLoop, pythonLoopWith) = (scope.Get("python_loop"), scope.Get("python_loop_with"));
            none = new PyTuple();
            actionView = Numpy.ViewOf(actions, 1);
            actionArguments = new PyTuple([actionView]);
        }

        Console.WriteLine("Each .NET row is one crossing as written; its Python loop does the same Python work without crossing.");
        Console.WriteLine($"{"crossing",-62} {".NET us",8} {"Python us",10} {".NET - Python",14}");
        Compare("GIL taken and released (Py.GIL()), nothing called", null, null, 1_000_000, () =>
        {
            using (Py.GIL())
            {
            }
        });
        Compare("trivial(), GIL held", trivial, null, 1_000_000, () =>
        {
            using PyObject result = trivial.Invoke(none);
        }, holdGil: true);
        Compare("f(actions), argument tuple made once, GIL held", oneArgument, actionView, 1_000_000, () =>
        {
            using PyObject result = oneArgument.Invoke(actionArguments);
        }, holdGil: true);
        Compare("step: GIL + f(actions) + float32[4] into pinned memory", stepSmall, actionView, 500_000, () =>
        {
            using (Py.GIL())
            {
                using PyObject result = stepSmall.Invoke(actionArguments);
            }
        });
        Compare("step: GIL + f(actions) + uint8[4,84,84] into pinned memory", stepFrame, actionView, 100_000, () =>
        {
            using (Py.GIL())
            {
                using PyObject result = stepFrame.Invoke(actionArguments);
            }
        });
        Compare("not done per step: float32[4] result read via NumpyArray", freshSmall, null, 100_000, () =>
        {
            using (Py.GIL())
            {
                using PyObject result = freshSmall.Invoke(none);
                using var array = new NumpyArray(result);
                array.CopyTo<float>(smallCopy);
            }
        });

        using (Py.GIL())
        {
            foreach (PyObject owned in new PyObject[] { trivial, oneArgument, stepSmall, stepFrame, freshSmall, pythonLoop, pythonLoopWith, none, actionArguments, actionView, scope })
            {
                owned.Dispose();
            }
        }

        void Compare(string name, PyObject? pythonWork, PyObject? argument, int calls, Action dotnetCall, bool holdGil = false)
        {
            Py.GILState? held = holdGil ? Py.GIL() : null;
            try
            {
                for (int i = 0; i < calls / 10; i++)
                {
                    dotnetCall(); // warm up the JIT and Python's caches
                }
                double best = double.MaxValue, pythonBest = double.MaxValue;
                for (int round = 0; round < 3; round++)
                {
                    var watch = Stopwatch.StartNew();
                    for (int i = 0; i < calls; i++)
                    {
                        dotnetCall();
                    }
                    best = Math.Min(best, watch.Elapsed.TotalSeconds);
                    if (pythonWork is not null)
                    {
                        using (Py.GIL())
                        {
                            using var count = new PyInt(calls);
                            using PyObject seconds = argument is null ? pythonLoop.Invoke(pythonWork, count) : pythonLoopWith.Invoke(pythonWork, argument, count);
                            pythonBest = Math.Min(pythonBest, seconds.As<double>());
                        }
                    }
                }
                double dotnetMicros = best / calls * 1e6, pythonMicros = pythonBest / calls * 1e6;
                string pythonColumns = pythonWork is null ? "" : $" {pythonMicros,10:F3} {dotnetMicros - pythonMicros,14:F3}";
                Console.WriteLine($"{name,-62} {dotnetMicros,8:F3}{pythonColumns}");
            }
            finally
            {
                held?.Dispose();
            }
        }
    }
}
