using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using System.Text;

namespace DqnBridge.Agent.Logging;

/// <summary>
/// Scalars to a TensorBoard event file (TFRecord framing of Event protocol buffers, written by hand: only
/// wall_time, step, file_version and Summary.Value{tag, simple_value} are needed). The file stays open and
/// buffered, flushed at least every few seconds, at checkpoints and on dispose; TorchSharp's SummaryWriter
/// reopens and locks the file for every scalar, which cost several percent of a CartPole run.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    private readonly FileStream _file;
    private readonly byte[] _record = new byte[1024];
    private long _lastFlush = Stopwatch.GetTimestamp();

    /// <summary>Creates an event file in <paramref name="directory"/>.</summary>
    public TensorBoardWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory,
            $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        // The first event names the format version, as TensorBoard expects.
        int length = 0;
        length += WallTime(_record.AsSpan(length));
        length += Bytes(_record.AsSpan(length), field: 3, "brain.Event:2"u8);
        WriteRecord(_record.AsSpan(0, length));
        _file.Flush();
    }

    /// <summary>Appends one scalar summary at a step.</summary>
    public void AddScalar(string tag, float value, long step)
    {
        // Summary.Value { tag = 1; simple_value = 2 } inside Summary { value = 1 } inside Event { summary = 5 }.
        int tagBytes = Encoding.UTF8.GetByteCount(tag);
        if (tagBytes > 512)
        {
            throw new ArgumentException($"TensorBoard tag '{tag[..40]}...' is longer than 512 bytes.", nameof(tag));
        }
        int valueLength = 1 + VarintSize((ulong)tagBytes) + tagBytes + 1 + 4;
        int summaryLength = 1 + VarintSize((ulong)valueLength) + valueLength;

        var buffer = _record.AsSpan();
        int n = WallTime(buffer);
        buffer[n++] = 2 << 3; // step, varint
        n += Varint(buffer[n..], (ulong)step);
        buffer[n++] = (5 << 3) | 2; // summary
        n += Varint(buffer[n..], (ulong)summaryLength);
        buffer[n++] = (1 << 3) | 2; // value
        n += Varint(buffer[n..], (ulong)valueLength);
        buffer[n++] = (1 << 3) | 2; // tag
        n += Varint(buffer[n..], (ulong)tagBytes);
        n += Encoding.UTF8.GetBytes(tag, buffer[n..]);
        buffer[n++] = (2 << 3) | 5; // simple_value, fixed32
        BinaryPrimitives.WriteSingleLittleEndian(buffer[n..], value);
        n += 4;
        WriteRecord(buffer[..n]);

        if (Stopwatch.GetElapsedTime(_lastFlush) > FlushInterval)
        {
            Flush();
        }
    }

    /// <summary>Writes buffered events to disk.</summary>
    public void Flush()
    {
        _file.Flush();
        _lastFlush = Stopwatch.GetTimestamp();
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    /// <summary>TFRecord: length, masked CRC-32C of the length, data, masked CRC-32C of the data.</summary>
    private void WriteRecord(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(data));
        _file.Write(header);
        _file.Write(data);
        _file.Write(footer);
    }

    private static int WallTime(Span<byte> buffer)
    {
        buffer[0] = (1 << 3) | 1; // wall_time, fixed64 double
        BinaryPrimitives.WriteDoubleLittleEndian(buffer[1..], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        return 9;
    }

    private static int Bytes(Span<byte> buffer, int field, ReadOnlySpan<byte> bytes)
    {
        buffer[0] = (byte)((field << 3) | 2);
        int n = 1 + Varint(buffer[1..], (ulong)bytes.Length);
        bytes.CopyTo(buffer[n..]);
        return n + bytes.Length;
    }

    private static int Varint(Span<byte> buffer, ulong value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            buffer[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[n++] = (byte)value;
        return n;
    }

    private static int VarintSize(ulong value) => value < 0x80 ? 1 : 1 + VarintSize(value >> 7);

    /// <summary>CRC-32C (Castagnoli), masked as TFRecord stores it.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    /// <summary>CRC-32C (Castagnoli) as TFRecord framing needs, unmasked.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return ~crc;
    }
}
