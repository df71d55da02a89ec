namespace DqnBridge.Cli.Tests;

/// <summary>PNG files as the inspect command and the curves write them.</summary>
[TestClass]
public sealed class PngFileTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void PngHoldsTheImageScaledByNearestNeighbour()
    {
        string path = Path.Combine(Runs, "gray.png");
        PngFile.Save(path, new byte[] { 0, 50, 100, 150, 200, 250 }, height: 2, width: 3, channels: 1, scale: 2);

        var (width, height, colorType, raw) = PngReader.ReadPng(path);
        Assert.AreEqual(6, width);
        Assert.AreEqual(4, height);
        Assert.AreEqual((byte)0, colorType);
        // Each scanline: filter byte 0, then the pixels.
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 50, 50, 100, 100 }, raw[..7]);
        CollectionAssert.AreEqual(new byte[] { 0, 150, 150, 200, 200, 250, 250 }, raw[14..21]);
    }
}
