using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Torch;

/// <summary>
/// Process-wide libtorch settings that TorchSharp has no API for, applied once before the first network is built.
/// </summary>
/// <remarks>
/// libtorch 2.x logs "Could not initialize NNPACK! Reason: Unsupported hardware." on every CPU convolution
/// where NNPACK cannot run (it caches the failed initialisation but not the warning), and TorchSharp never
/// calls c10::initLogging, so TORCH_CPP_LOG_LEVEL cannot silence it. Turning NNPACK off in libtorch's global
/// context (what PyTorch's torch.backends.nnpack.set_flags(False) does) removes the check and its warning;
/// where NNPACK is unsupported it never ran anyway. The call goes through libtorch_cpu's exported C++
/// symbols; a libtorch build without them (another version, another platform's name mangling) is left as is.
/// <para>
/// libtorch's intra-op threads are OpenMP threads (TorchSharp-cpu 0.107's libtorch 2.10 links GNU libgomp), and
/// libgomp's threads spin after each parallel region, waiting for the next. With more threads than free cores that
/// spinning takes the cores the other threads need: a second thread made the CNN step 4-9x slower on a busy machine.
/// <see cref="PrepareOpenMp"/> sets OMP_WAIT_POLICY=PASSIVE (waiting threads sleep) in the native environment, where
/// libgomp reads it once, when it loads; so it must run before the first torch call of the process.
/// </para>
/// </remarks>
public static class TorchRuntime
{
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv"; // at::globalContext()
    private const string SetNnpackSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb"; // at::Context::setUserEnabledNNPACK(bool)
    private const string GetNnpackSymbol = "_ZNK2at7Context17userEnabledNNPACKEv"; // at::Context::userEnabledNNPACK() const
    private const string SetFlushDenormalSymbol = "_ZN2at7Context16setFlushDenormalEb"; // static at::Context::setFlushDenormal(bool)

    /// <summary>The environment variable that keeps IEEE subnormal floats (<c>keep</c>) instead of flushing them (<c>flush</c>, the default).</summary>
    public const string SubnormalsVariable = "DQNBRIDGE_SUBNORMALS";

    private const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    private const string SpinCountVariable = "GOMP_SPINCOUNT";

    private static readonly Lock InitializeLock = new();
    private static bool initialized;
    private static string? openMpWaitPolicy;

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE for libtorch's OpenMP threads unless the user set OMP_WAIT_POLICY or
    /// GOMP_SPINCOUNT (theirs wins), and says what the wait policy is. Call it first thing in a program, before any
    /// torch call: once libtorch has loaded OpenMP the setting no longer counts (and the answer says so). Never throws.
    /// </summary>
    public static string PrepareOpenMp()
    {
        lock (InitializeLock)
        {
            return openMpWaitPolicy ??= SetPassiveWaitPolicy();
        }
    }

    /// <summary>
    /// libtorch's intra-op thread count for <paramref name="configured"/> threads and a <paramref name="network"/>, and a
    /// line saying how it was chosen and how OpenMP threads wait. <see cref="DqnConfig.AutoTorchThreads"/> gives the
    /// Nature CNN the cores this process may use (<see cref="UsableCores"/>) and an MLP one thread: its matrices are too
    /// small to split, and a second thread only adds wake-ups (measured: docs/results.md, "Pixels and libtorch threads").
    /// </summary>
    public static (int Count, string Description) ResolveThreads(int configured, NetworkKind network)
    {
        string settings = $"OpenMP {PrepareOpenMp()}; {SubnormalPolicy(Environment.GetEnvironmentVariable(SubnormalsVariable)).Description}";
        if (configured != DqnConfig.AutoTorchThreads)
        {
            return (configured, $"libtorch threads: {configured} (torch_threads: {configured}; {settings})");
        }
        if (network == NetworkKind.Mlp)
        {
            return (1, $"libtorch threads: 1 (torch_threads: auto, one for an MLP; {settings})");
        }
        var cores = UsableCores.OfThisProcess();
        return (cores.Count, $"libtorch threads: {cores.Count} (torch_threads: auto, from {cores.Explanation}; {settings})");
    }

    /// <summary>
    /// Sets libtorch's intra-op thread count for <paramref name="configured"/> threads and a <paramref name="network"/>
    /// (<see cref="ResolveThreads"/>) and makes the calling thread flush subnormal floats (<see cref="FlushSubnormals"/>);
    /// call it on the thread that will train or act, before its first torch operation. Returns the thread count.
    /// </summary>
    public static int UseThreads(int configured, NetworkKind network)
    {
        int count = ResolveThreads(configured, network).Count;
        FlushSubnormals();
        set_num_threads(count);
        return count;
    }

    /// <summary>
    /// Makes the calling thread flush subnormal floats (magnitudes below 2^-126, about 1.2e-38) to zero, in its results
    /// and its inputs, as torch.set_flush_denormal(True) does: libtorch's own at::Context::setFlushDenormal sets the
    /// x86 FTZ and DAZ bits of the thread's MXCSR, which govern the managed code on the thread too. Threads started from
    /// it afterwards inherit the bits (libtorch starts its OpenMP threads at its first parallel operation). Why: in a
    /// run whose frames leave many units silent (Tetris), Adam's first moment decays through the subnormal range, and on
    /// the CPU an operation on a subnormal float is many times slower than on a normal one; flushing took about 4% off a
    /// Tetris run and changed no weight (docs/results.md, "Subnormal floats"). <see cref="SubnormalsVariable"/>=keep leaves the thread
    /// as it is. Returns whether the thread now flushes.
    /// </summary>
    public static bool FlushSubnormals() =>
        SubnormalPolicy(Environment.GetEnvironmentVariable(SubnormalsVariable)).Flush && TrySetFlushSubnormals(true);

    /// <summary>What <see cref="SubnormalsVariable"/>'s <paramref name="value"/> asks for, and how the start-up line says it.</summary>
    internal static (bool Flush, string Description) SubnormalPolicy(string? value) => value switch
    {
        null or "" or "flush" => (FlushingSupported, FlushingSupported ? "subnormals flushed to zero" : "subnormals kept (this CPU cannot flush them)"),
        "keep" => (false, $"subnormals kept ({SubnormalsVariable}=keep)"),
        _ => (FlushingSupported, (FlushingSupported ? "subnormals flushed to zero" : "subnormals kept")
            + $" ({SubnormalsVariable}={value} is neither flush nor keep)"),
    };

    // libtorch flushes on x86-64 (the MXCSR bits); elsewhere its setFlushDenormal does nothing and says so.
    private static bool FlushingSupported => System.Runtime.Intrinsics.X86.Sse3.IsSupported;

    /// <summary>Turns flushing on or off for the calling thread through libtorch; false when libtorch cannot (or its symbol is missing).</summary>
    internal static unsafe bool TrySetFlushSubnormals(bool on)
    {
        if (!TryFindContext(out _, out nint libtorch)
            || !NativeLibrary.TryGetExport(libtorch, SetFlushDenormalSymbol, out nint setter))
        {
            return false;
        }
        // A static member: no context pointer. It answers whether the CPU could set the mode.
        return ((delegate* unmanaged<byte, byte>)setter)(on ? (byte)1 : (byte)0) != 0 && on;
    }

    private static string SetPassiveWaitPolicy()
    {
        string? policy = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        string? spinCount = Environment.GetEnvironmentVariable(SpinCountVariable);
        if (!string.IsNullOrEmpty(policy) || !string.IsNullOrEmpty(spinCount))
        {
            return string.IsNullOrEmpty(spinCount)
                ? $"{WaitPolicyVariable}={policy} (yours)"
                : $"{SpinCountVariable}={spinCount} (yours)";
        }
        if (OpenMpLoaded())
        {
            return "wait policy: the runtime's default (libtorch was loaded before DqnBridge could set OMP_WAIT_POLICY)";
        }
        try
        {
            // .NET keeps its own copy of the environment on Unix; libgomp reads the C library's. Both get it, so child
            // processes (async envs' workers) inherit the same policy.
            if (!OperatingSystem.IsWindows() && SetNativeEnvironment(WaitPolicyVariable, "PASSIVE", 0) != 0)
            {
                return "wait policy: the runtime's default (setenv failed)";
            }
            Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "wait policy: the runtime's default (no setenv here)";
        }
        return $"{WaitPolicyVariable}=PASSIVE";
    }

    /// <summary>Whether an OpenMP runtime is already mapped into this process (Linux); false where we cannot tell.</summary>
    private static bool OpenMpLoaded()
    {
        try
        {
            return OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps")
                .Any(line => line.Contains("libgomp", StringComparison.Ordinal) || line.Contains("libiomp", StringComparison.Ordinal)
                    || line.Contains("/libomp", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>Applies the settings once per process; later calls do nothing. Never throws.</summary>
    public static void Initialize()
    {
        lock (InitializeLock)
        {
            if (initialized)
            {
                return;
            }
            initialized = true;
            openMpWaitPolicy ??= SetPassiveWaitPolicy();
            TrySetNnpackEnabled(false);
        }
    }

    /// <summary>Whether libtorch will try NNPACK for CPU convolutions; null when this libtorch build does not say.</summary>
    public static unsafe bool? NnpackEnabled
    {
        get
        {
            if (!TryFindContext(out nint context, out nint libtorch)
                || !NativeLibrary.TryGetExport(libtorch, GetNnpackSymbol, out nint getter))
            {
                return null;
            }
            return ((delegate* unmanaged<nint, byte>)getter)(context) != 0;
        }
    }

    /// <summary>Sets libtorch's NNPACK flag; false when the symbols are missing from this libtorch build.</summary>
    public static unsafe bool TrySetNnpackEnabled(bool enabled)
    {
        if (!TryFindContext(out nint context, out nint libtorch)
            || !NativeLibrary.TryGetExport(libtorch, SetNnpackSymbol, out nint setter))
        {
            return false;
        }
        ((delegate* unmanaged<nint, byte, void>)setter)(context, enabled ? (byte)1 : (byte)0);
        return true;
    }

    /// <summary>at::globalContext() of the libtorch_cpu that TorchSharp loaded.</summary>
    private static unsafe bool TryFindContext(out nint context, out nint libtorch)
    {
        context = 0;
        libtorch = 0;
        try
        {
            // Any torch call makes TorchSharp load its native libraries; the load below then resolves to the
            // library already in the process (same path, or the same soname) rather than another copy.
            _ = get_num_threads();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            return false;
        }
        foreach (string name in new[] { "libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll" })
        {
            if (NativeLibrary.TryLoad(name, typeof(TorchSharp.torch).Assembly, null, out libtorch))
            {
                break;
            }
        }
        if (libtorch == 0 || !NativeLibrary.TryGetExport(libtorch, GlobalContextSymbol, out nint globalContext))
        {
            return false;
        }
        context = ((delegate* unmanaged<nint>)globalContext)();
        return context != 0;
    }
}
