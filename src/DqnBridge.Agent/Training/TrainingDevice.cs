using static TorchSharp.torch;

namespace DqnBridge.Agent.Training;

/// <summary>Where the networks and minibatches live (the <c>device</c> key).</summary>
public enum DeviceChoice
{
    /// <summary>The CPU: the default, and the reference for bit-identical runs.</summary>
    Cpu,

    /// <summary>The first CUDA GPU; needs a CUDA build of libtorch.</summary>
    Cuda,

    /// <summary>CUDA when libtorch can use it, otherwise the CPU.</summary>
    Auto,
}

/// <summary>Resolves the <c>device</c> key to a libtorch device, failing clearly when CUDA is asked for but absent.</summary>
public static class TrainingDevice
{
    /// <summary>The TorchSharp packages a GPU user references instead of TorchSharp-cpu (Linux; Windows has TorchSharp-cuda-windows).</summary>
    public const string CudaPackageHint =
        "this build uses TorchSharp-cpu (libtorch for the CPU only); for a GPU, replace it with TorchSharp-cuda-linux "
        + "(or TorchSharp-cuda-windows) 0.107.0 in Directory.Packages.props and src/DqnBridge.Agent/DqnBridge.Agent.csproj and rebuild";

    /// <summary>The device <paramref name="choice"/> stands for on this machine.</summary>
    public static Device Resolve(DeviceChoice choice) => choice switch
    {
        DeviceChoice.Cpu => CPU,
        DeviceChoice.Cuda when cuda.is_available() => CUDA,
        DeviceChoice.Cuda => throw new NotSupportedException(
            $"device = cuda, but libtorch sees no CUDA device (torch.cuda.is_available() is false): {CudaPackageHint}; "
            + "or set device=cpu (or device=auto)."),
        DeviceChoice.Auto => cuda.is_available() ? CUDA : CPU,
        _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "unknown device"),
    };
}
