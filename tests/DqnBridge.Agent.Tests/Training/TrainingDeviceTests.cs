using DqnBridge.Agent.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Training;

[TestClass]
public sealed class TrainingDeviceTests
{
    [TestMethod]
    public void CudaWithoutACudaBuildFailsNamingThePackage()
    {
        if (cuda.is_available())
        {
            Assert.Inconclusive("This machine has CUDA; the message for its absence cannot be checked here.");
        }
        var error = Assert.ThrowsExactly<NotSupportedException>(() => TrainingDevice.Resolve(DeviceChoice.Cuda));
        StringAssert.Contains(error.Message, "torch.cuda.is_available() is false");
        StringAssert.Contains(error.Message, "TorchSharp-cuda-linux");
        Assert.AreEqual(DeviceType.CPU, TrainingDevice.Resolve(DeviceChoice.Auto).type);
    }
}
