using DqnBridge.Cli.Output;
using ScottPlot;
using SkiaSharp;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// One PNG of plots in rows of equal height (results.png, compare.png): each plot rendered on its own picture and
/// drawn in place on a white canvas (a plot clears the canvas it renders on), then the whole written atomically.
/// </summary>
internal sealed class PlotGrid : IDisposable
{
    private readonly SKSurface _surface;
    private readonly int _rowHeight;

    /// <summary>A white canvas <paramref name="width"/> wide with <paramref name="rows"/> rows (at least one).</summary>
    public PlotGrid(int width, int rowHeight, int rows)
    {
        _rowHeight = rowHeight;
        _surface = SKSurface.Create(new SKImageInfo(width, rowHeight * Math.Max(1, rows)));
        _surface.Canvas.Clear(SKColors.White);
    }

    /// <summary>Renders <paramref name="plot"/> <paramref name="width"/> wide into row <paramref name="row"/>, from <paramref name="left"/>.</summary>
    public void Draw(Plot plot, int row, int left, int width)
    {
        using var bitmap = SKBitmap.Decode(plot.GetImage(width, _rowHeight).GetImageBytes());
        _surface.Canvas.DrawBitmap(bitmap, left, row * _rowHeight);
    }

    /// <summary>The canvas as a PNG at <paramref name="path"/>, through a temporary file (<see cref="AtomicFile.Write"/>).</summary>
    public void Save(string path)
    {
        using var image = _surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, temporary =>
        {
            using var file = File.Create(temporary);
            png.SaveTo(file);
        });
    }

    public void Dispose() => _surface.Dispose();
}
