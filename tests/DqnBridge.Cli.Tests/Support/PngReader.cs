using System.Buffers.Binary;
using System.IO.Compression;

namespace DqnBridge.Cli.Tests;

/// <summary>Reads back the PNG files we write (8-bit, no interlace), checking the signature on the way.</summary>
internal static class PngReader
{
    public static (int Width, int Height, byte ColorType, byte[] Pixels) ReadPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        int width = 0, height = 0;
        byte colorType = 0;
        var data = new MemoryStream();
        for (int offset = 8; offset < bytes.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            var chunk = bytes.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(chunk);
                height = BinaryPrimitives.ReadInt32BigEndian(chunk[4..]);
                colorType = chunk[9];
            }
            else if (type == "IDAT")
            {
                data.Write(chunk);
            }
            offset += 12 + length;
        }
        data.Position = 0;
        using var zlib = new ZLibStream(data, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        return (width, height, colorType, raw.ToArray());
    }
}
