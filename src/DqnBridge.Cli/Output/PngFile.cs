using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DqnBridge.Cli.Output;

/// <summary>Writes 8-bit gray or RGB images as PNG (zlib-compressed scanlines, no filtering): enough for debug views.</summary>
public static class PngFile
{
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <param name="pixels">Row-major, height x width x <paramref name="channels"/> bytes.</param>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="scale">Each pixel becomes scale x scale pixels (nearest neighbour), so 84x84 frames are visible.</param>
    public static void Save(string path, ReadOnlySpan<byte> pixels, int height, int width, int channels, int scale = 1)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), "PNG images here are gray (1 channel) or RGB (3 channels).");
        }

        if (pixels.Length != height * width * channels)
        {
            throw new ArgumentException($"{pixels.Length} bytes do not make a {height}x{width}x{channels} image.", nameof(pixels));
        }

        int outHeight = height * scale, outWidth = width * scale;
        var raw = new byte[outHeight * (outWidth * channels + 1)];
        int offset = 0;
        for (int y = 0; y < outHeight; y++)
        {
            raw[offset++] = 0; // filter: none
            var row = pixels.Slice(y / scale * width * channels, width * channels);
            for (int x = 0; x < outWidth; x++)
            {
                row.Slice(x / scale * channels, channels).CopyTo(raw.AsSpan(offset));
                offset += channels;
            }
        }

        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, outWidth);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), outHeight);
        header[8] = 8; // bits per channel
        header[9] = (byte)(channels == 1 ? 0 : 2); // gray or truecolour
        WriteChunk(file, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                zlib.Write(raw);
            }

            WriteChunk(file, "IDAT", compressed.ToArray());
        }
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        stream.Write(number);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(number, crc);
        stream.Write(number);
    }

    private static uint Crc(uint crc, byte[] data)
    {
        foreach (byte b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }
        return table;
    }
}
