using DqnBridge.Envs;

namespace DqnBridge.Cli.Output;

/// <summary>Observations as pictures: a (k, H, W) uint8 stack as its k frames side by side, an (H, W, 3) uint8 one as it is.</summary>
public static class ObservationPicture
{
    /// <summary>Pixels of mid-gray between the frames of a stack.</summary>
    private const int Gap = 4;

    /// <summary>Whether the observation is an RGB image (H, W, 3) of bytes.</summary>
    public static bool IsRgb(int[] shape, ElementType type) => type == ElementType.UInt8 && shape.Length == 3 && shape[2] == 3;

    /// <summary>Whether the observation is a stack of gray frames (k, H, W) of bytes.</summary>
    public static bool IsStack(int[] shape, ElementType type) => type == ElementType.UInt8 && shape.Length == 3 && !IsRgb(shape, type);

    /// <summary>Writes the observation as a PNG if it is an image; returns false (writing nothing) otherwise.</summary>
    public static bool TrySave(string path, ReadOnlySpan<byte> observation, int[] shape, ElementType type, int scale)
    {
        if (IsRgb(shape, type))
        {
            PngFile.Save(path, observation, shape[0], shape[1], 3, scale);
            return true;
        }
        if (IsStack(shape, type))
        {
            SaveStack(path, observation, shape, scale);
            return true;
        }
        return false;
    }

    /// <summary>The k frames of a (k, H, W) observation side by side, oldest first, separated by mid-gray gaps.</summary>
    public static void SaveStack(string path, ReadOnlySpan<byte> observation, int[] shape, int scale)
    {
        var strip = Strip(observation, shape, out int width);
        PngFile.Save(path, strip, shape[1], width, 1, scale);
    }

    /// <summary>The gray strip <see cref="SaveStack"/> draws: H rows of <paramref name="width"/> pixels.</summary>
    public static byte[] Strip(ReadOnlySpan<byte> observation, int[] shape, out int width)
    {
        int k = shape[0], h = shape[1], w = shape[2];
        width = k * w + (k - 1) * Gap;
        var strip = new byte[h * width];
        strip.AsSpan().Fill(128);
        for (int f = 0; f < k; f++)
        {
            for (int y = 0; y < h; y++)
            {
                observation.Slice((f * h + y) * w, w).CopyTo(strip.AsSpan(y * width + f * (w + Gap)));
            }
        }
        return strip;
    }

    /// <summary>Two stacks of the same shape one above the other, a white band between: training above, evaluation below.</summary>
    public static void SaveStacksAbove(string path, ReadOnlySpan<byte> upper, ReadOnlySpan<byte> lower, int[] shape, int scale)
    {
        var top = Strip(upper, shape, out int width);
        var bottom = Strip(lower, shape, out _);
        int h = shape[1], band = 3 * Gap;
        var joined = new byte[(2 * h + band) * width];
        joined.AsSpan().Fill(255);
        top.CopyTo(joined.AsSpan());
        bottom.CopyTo(joined.AsSpan((h + band) * width));
        PngFile.Save(path, joined, 2 * h + band, width, 1, scale);
    }
}
