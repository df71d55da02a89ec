using System.Diagnostics;
using DqnBridge.Python;
using static TorchSharp.torch;

namespace DqnBridge.Benchmarks;

/// <summary>
/// Microseconds per call through the bridge, each beside the same call made from a plain Python loop
/// in the same embedded interpreter (time.perf_counter), so both sides share one Python and one machine state.
/// </summary>
internal static class BridgeBenchmark
{
    private const string Functions =
        "import numpy as np, time\n" +
        "_state = np.arange(4, dtype=np.float32)\n" +
        "_frames = np.zeros((4, 84, 84), dtype=np.uint8)\n" +
        "def trivial():\n    return None\n" +
        "def small_obs():\n    return _state * 1.0\n" +      // a fresh float32[4], as an env step makes
        "def frame_obs():\n    return _frames.copy()\n" +    // a fresh uint8[4,84,84]
        "def python_loop(f, n):\n" +
        "    start = time.perf_counter()\n" +
        "    for _ in range(n):\n        f()\n" +
        "    return time.perf_counter() - start\n" +
        "def python_loop_into(f, out, n):\n" +   // the same call, its result copied into a preallocated buffer as .NET does
        "    start = time.perf_counter()\n" +
        "    for _ in range(n):\n        out[...] = f()\n" +
        "    return time.perf_counter() - start\n";

    public static void Run(string[] args)
    {
        string python = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable(PythonInstallation.EnvironmentVariable) ?? "/usr/bin/python3";
        PythonEngine.Initialize(python);
        Console.WriteLine($"Python {PythonEngine.Installation!.Version} from {PythonEngine.Installation.Executable}");
        using var gil = Py.GIL();
        using var scope = Py.NewDict();
        PythonEngine.Exec(Functions, scope);
        using var trivial = scope["trivial"];
        using var smallObs = scope["small_obs"];
        using var frameObs = scope["frame_obs"];
        using var pythonLoop = scope["python_loop"];
        using var pythonLoopInto = scope["python_loop_into"];
        using var smallOut = PythonEngine.Eval("np.zeros(4, dtype=np.float32)", scope);
        using var frameOut = PythonEngine.Eval("np.zeros((4, 84, 84), dtype=np.uint8)", scope);

        float[] small = new float[4];
        byte[] frame = new byte[4 * 84 * 84];
        using var frameTensor = zeros([4, 84, 84], ScalarType.Byte);

        Console.WriteLine("Python loop: `for _ in range(n): f()`; Python loop+copy: `out[...] = f()` into a preallocated array.");
        Console.WriteLine($"{"call",-40} {".NET us",8} {"Python us",10} {"ratio",6} {"Py+copy us",11} {"ratio",6}");
        Compare("trivial function", pythonLoop, null, null, trivial, 1_000_000, () =>
        {
            using var result = trivial.Invoke();
        });
        Compare("trivial function, stack-owned result", pythonLoop, null, null, trivial, 1_000_000, () =>
        {
            using var result = trivial.Call();
        });
        Compare("float32[4] into Span<float>", pythonLoop, pythonLoopInto, smallOut, smallObs, 500_000, () =>
        {
            using var result = smallObs.Invoke();
            using var array = new NumpyArray(result);
            array.CopyTo<float>(small);
        });
        Compare("uint8[4,84,84] into Span<byte>", pythonLoop, pythonLoopInto, frameOut, frameObs, 100_000, () =>
        {
            using var result = frameObs.Invoke();
            using var array = new NumpyArray(result);
            array.CopyTo<byte>(frame);
        });
        Compare("float32[4], stack-owned result", pythonLoop, pythonLoopInto, smallOut, smallObs, 500_000, () =>
        {
            using var result = smallObs.Call();
            using var array = result.AsNumpyArray();
            array.CopyTo<float>(small);
        });
        Compare("uint8[4,84,84] into a TorchSharp tensor", pythonLoop, pythonLoopInto, frameOut, frameObs, 100_000, () =>
        {
            using var result = frameObs.Invoke();
            using var array = new NumpyArray(result);
            array.AsBytes().CopyTo(frameTensor.bytes); // one copy from NumPy's memory into the tensor's
        });
    }

    private static void Compare(string name, PyObject pythonLoop, PyObject? pythonLoopInto, PyObject? output, PyObject function, int calls, Action dotnetCall)
    {
        for (int i = 0; i < calls / 10; i++)
        {
            dotnetCall(); // warm up the JIT and Python's caches
        }
        double best = double.MaxValue, pythonBest = double.MaxValue, pythonCopyBest = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
            {
                dotnetCall();
            }
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            using var seconds = pythonLoop.Invoke(function, calls);
            pythonBest = Math.Min(pythonBest, seconds.As<double>());
            if (pythonLoopInto is not null)
            {
                using var copySeconds = pythonLoopInto.Invoke(function, output, calls);
                pythonCopyBest = Math.Min(pythonCopyBest, copySeconds.As<double>());
            }
        }
        double dotnetMicros = best / calls * 1e6, pythonMicros = pythonBest / calls * 1e6, copyMicros = pythonCopyBest / calls * 1e6;
        string copyColumns = pythonLoopInto is null ? "" : $" {copyMicros,11:F3} {dotnetMicros / copyMicros,6:F2}";
        Console.WriteLine($"{name,-40} {dotnetMicros,8:F3} {pythonMicros,10:F3} {dotnetMicros / pythonMicros,6:F2}{copyColumns}");
    }
}
