using System.Runtime.InteropServices;
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
/// </remarks>
public static class TorchRuntime
{
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv"; // at::globalContext()
    private const string SetNnpackSymbol = "_ZN2at7Context20setUserEnabledNNPACKEb"; // at::Context::setUserEnabledNNPACK(bool)
    private const string GetNnpackSymbol = "_ZNK2at7Context17userEnabledNNPACKEv"; // at::Context::userEnabledNNPACK() const

    private static readonly Lock InitializeLock = new();
    private static bool initialized;

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
