namespace DqnBridge.Envs.Native;

/// <summary>
/// A tiny software rasteriser for the built-in environments' rgb_array frames. Coordinates have y
/// growing upward, as in Gymnasium's drawings, and the frame is flipped at the end.
/// </summary>
internal sealed class Canvas
{
    readonly int _width;
    readonly int _height;
    readonly byte[] _pixels;

    public Canvas(int width, int height)
    {
        _width = width;
        _height = height;
        _pixels = new byte[width * height * 3];
        Array.Fill(_pixels, (byte)255);
    }

    public static List<(double X, double Y)> Rectangle(double left, double bottom, double right, double top) =>
        [(left, bottom), (left, top), (right, top), (right, bottom)];

    /// <summary>Fills a simple polygon by scanlines (even-odd rule), sampling pixel centres.</summary>
    public void FillPolygon(IReadOnlyList<(double X, double Y)> points, (byte R, byte G, byte B) color)
    {
        double minY = points.Min(p => p.Y), maxY = points.Max(p => p.Y);
        var crossings = new List<double>();
        for (int row = Math.Max(0, (int)Math.Floor(minY)); row <= Math.Min(_height - 1, (int)Math.Ceiling(maxY)); row++)
        {
            double y = row + 0.5;
            crossings.Clear();
            for (int i = 0; i < points.Count; i++)
            {
                var (x0, y0) = points[i];
                var (x1, y1) = points[(i + 1) % points.Count];
                if ((y0 <= y && y < y1) || (y1 <= y && y < y0))
                {
                    crossings.Add(x0 + (y - y0) * (x1 - x0) / (y1 - y0));
                }
            }
            crossings.Sort();
            for (int i = 0; i + 1 < crossings.Count; i += 2)
            {
                int from = Math.Max(0, (int)Math.Ceiling(crossings[i] - 0.5));
                int to = Math.Min(_width - 1, (int)Math.Floor(crossings[i + 1] - 0.5));
                for (int column = from; column <= to; column++)
                {
                    Set(column, row, color);
                }
            }
        }
    }

    public void FillCircle(double centreX, double centreY, double radius, (byte R, byte G, byte B) color)
    {
        for (int row = Math.Max(0, (int)(centreY - radius)); row <= Math.Min(_height - 1, (int)(centreY + radius)); row++)
        {
            for (int column = Math.Max(0, (int)(centreX - radius)); column <= Math.Min(_width - 1, (int)(centreX + radius)); column++)
            {
                double dx = column + 0.5 - centreX, dy = row + 0.5 - centreY;
                if (dx * dx + dy * dy <= radius * radius)
                {
                    Set(column, row, color);
                }
            }
        }
    }

    public void DrawLine((double X, double Y) from, (double X, double Y) to, double thickness, (byte R, byte G, byte B) color)
    {
        double dx = to.X - from.X, dy = to.Y - from.Y;
        double length = Math.Max(Math.Sqrt(dx * dx + dy * dy), 1e-9);
        double nx = -dy / length * Math.Max(thickness, 1) / 2, ny = dx / length * Math.Max(thickness, 1) / 2;
        FillPolygon([(from.X + nx, from.Y + ny), (to.X + nx, to.Y + ny), (to.X - nx, to.Y - ny), (from.X - nx, from.Y - ny)], color);
    }

    public void DrawHorizontalLine(double y, (byte R, byte G, byte B) color)
    {
        int row = (int)y;
        if (row < 0 || row >= _height)
        {
            return;
        }

        for (int column = 0; column < _width; column++)
        {
            Set(column, row, color);
        }
    }

    /// <summary>The image with row 0 at the top, as rgb_array frames are.</summary>
    public RgbFrame ToFrameFlipped()
    {
        var flipped = new byte[_pixels.Length];
        int stride = _width * 3;
        for (int row = 0; row < _height; row++)
        {
            Array.Copy(_pixels, row * stride, flipped, (_height - 1 - row) * stride, stride);
        }

        return new RgbFrame(_height, _width, flipped);
    }

    void Set(int column, int row, (byte R, byte G, byte B) color)
    {
        int index = (row * _width + column) * 3;
        _pixels[index] = color.R;
        _pixels[index + 1] = color.G;
        _pixels[index + 2] = color.B;
    }
}
