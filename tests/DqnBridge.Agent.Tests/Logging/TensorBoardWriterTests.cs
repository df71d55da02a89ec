using System.Buffers.Binary;
using System.Text;
using DqnBridge.Agent.Logging;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Logging;

[TestClass]
public sealed class TensorBoardWriterTests
{
    [TestMethod]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        Assert.AreEqual(0xE3069283u, TensorBoardWriter.Crc32C("123456789"u8));
    }

    /// <summary>Our records carry the very bytes TorchSharp's SummaryWriter (Google.Protobuf) writes, wall time aside, with valid checksums.</summary>
    [TestMethod]
    public void ScalarsAreTheEventsTorchSharpWrites()
    {
        using var rootFolder = new TempFolder("dqn-tensorboard-");
        string root = rootFolder.Path;
        var torchSharp = utils.tensorboard.SummaryWriter(Path.Combine(root, "torchsharp"));
        torchSharp.add_scalar("charts/episodic_return", 123.5f, 4567);
        torchSharp.add_scalar("gradients/out.weight", 1e-7f, 300_000);
        using (var ours = new TensorBoardWriter(Path.Combine(root, "ours")))
        {
            ours.AddScalar("charts/episodic_return", 123.5f, 4567);
            ours.AddScalar("gradients/out.weight", 1e-7f, 300_000);
        }

        var expected = Records(Directory.GetFiles(Path.Combine(root, "torchsharp")).Single());
        var actual = Records(Directory.GetFiles(Path.Combine(root, "ours")).Single());
        Assert.HasCount(3, actual, "file_version, then one event per scalar");
        Assert.HasCount(expected.Count, actual);
        StringAssert.Contains(Encoding.ASCII.GetString(actual[0]), "brain.Event:2");
        for (int i = 1; i < actual.Count; i++)
        {
            CollectionAssert.AreEqual(WithoutWallTime(expected[i]), WithoutWallTime(actual[i]), $"event {i}");
        }
    }

    /// <summary>The TFRecord payloads of an event file, each checksum verified.</summary>
    private static List<byte[]> Records(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        for (int at = 0; at < bytes.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            Assert.AreEqual(TensorBoardWriter.MaskedCrc32C(bytes.AsSpan(at, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)), "length checksum");
            var data = bytes.AsSpan(at + 12, length);
            Assert.AreEqual(TensorBoardWriter.MaskedCrc32C(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length)), "data checksum");
            records.Add(data.ToArray());
            at += 12 + length + 4;
        }
        return records;
    }

    /// <summary>An event without its first field, wall_time (tag 0x09 and 8 bytes).</summary>
    private static byte[] WithoutWallTime(byte[] record)
    {
        Assert.AreEqual(0x09, record[0], "events start with wall_time");
        return record[9..];
    }
}
