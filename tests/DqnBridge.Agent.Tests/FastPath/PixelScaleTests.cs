using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.FastPath;

[TestClass]
public sealed class PixelScaleTests
{
    /// <summary>
    /// Every byte value, at every position of the SIMD lanes and in the scalar tail, scales to the float the network's
    /// own forward computes (libtorch's conversion, then division by 255), bit for bit.
    /// </summary>
    [TestMethod]
    public void ScaleEqualsTheNetworksConversionForEveryByte()
    {
        // 3 x 256 + 7 bytes: each value in several lanes, and a tail that is not a whole vector.
        var pixels = Enumerable.Range(0, 3 * 256 + 7).Select(i => (byte)(i * 97 % 256)).ToArray();
        var scaled = new float[pixels.Length];
        PixelScale.Scale(pixels, scaled);

        using var bytes = tensor(pixels, ScalarType.Byte);
        using var expected = bytes.to_type(ScalarType.Float32).div_(QNetwork.ByteScale);
        CollectionAssert.AreEqual(expected.data<float>().ToArray(), scaled);
        CollectionAssert.AreEqual(expected.data<float>().ToArray(), pixels.Select(p => PixelScale.Table[p]).ToArray(), "the table");
        Assert.AreEqual(1f, scaled[Array.IndexOf(pixels, (byte)255)]);
    }

    [TestMethod]
    public void ScaleRefusesADestinationOfAnotherLength()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => PixelScale.Scale(new byte[40], new float[39]));
        StringAssert.Contains(error.Message, "40 pixels need as many floats, got 39");
    }
}
