using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Torch;

/// <summary>libtorch's NNPACK warning, read from file descriptor 2 (where libtorch writes, below .NET's Console).</summary>
[TestClass]
public sealed partial class TorchRuntimeTests
{
    private const string NnpackWarning = "NNPACK";

    [TestMethod]
    public void NatureCnnTrainingStepsPrintNoNnpackWarning()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("the file-descriptor capture below is written for Linux");
        }
        using var network = QNetwork.NatureCnn([4, 84, 84], 6); // its constructor applies TorchRuntime.Initialize
        Assert.IsFalse(TorchRuntime.NnpackEnabled, "TorchSharp's libtorch exports the NNPACK switch, and it is off");

        string quiet = CaptureStandardError(() => TrainingSteps(network, 3));

        Assert.DoesNotContain(NnpackWarning, quiet);

        // The control: with NNPACK back on, this machine's libtorch prints the warning on every step when its
        // CPU lacks NNPACK support, which shows that the capture above would have seen it.
        Assert.IsTrue(TorchRuntime.TrySetNnpackEnabled(true));
        try
        {
            string noisy = CaptureStandardError(() => TrainingSteps(network, 3));
            if (!noisy.Contains(NnpackWarning, StringComparison.Ordinal))
            {
                Assert.Inconclusive("this CPU supports NNPACK, so libtorch has no warning to print here either way");
            }
        }
        finally
        {
            TorchRuntime.TrySetNnpackEnabled(false);
        }
    }

    [TestMethod]
    public void InitializeIsIdempotent()
    {
        TorchRuntime.Initialize();
        TorchRuntime.Initialize();
        Assert.IsFalse(TorchRuntime.NnpackEnabled);
    }

    /// <summary>What a DQN step does with the network: act greedily on one observation, then learn from a batch.</summary>
    private static void TrainingSteps(QNetwork network, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                network.forward(randint(0, 256, [1, 4, 84, 84], ScalarType.Byte)).argmax(1);
            }
            network.zero_grad();
            var loss = network.forward(randint(0, 256, [32, 4, 84, 84], ScalarType.Byte)).square().mean();
            loss.backward();
        }
    }

    /// <summary>Runs <paramref name="action"/> with file descriptor 2 pointed at a temporary file and returns what was written.</summary>
    private static string CaptureStandardError(Action action)
    {
        string path = Path.GetTempFileName();
        int saved = Dup(2);
        Assert.IsGreaterThanOrEqualTo(0, saved, "dup(2)");
        try
        {
            using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
            {
                Assert.IsGreaterThanOrEqualTo(0, Dup2((int)file.DangerousGetHandle(), 2), "dup2 onto fd 2");
            }
            action();
        }
        finally
        {
            FlushAll(0);
            Dup2(saved, 2);
            Close(saved);
        }
        string text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }

    [LibraryImport("libc.so.6", EntryPoint = "dup")]
    private static partial int Dup(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "dup2")]
    private static partial int Dup2(int fd, int fd2);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "fflush")]
    private static partial int FlushAll(nint stream);
}
