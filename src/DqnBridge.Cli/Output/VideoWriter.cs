using System.ComponentModel;
using System.Diagnostics;

namespace DqnBridge.Cli.Output;

public sealed class VideoException(string message) : Exception(message);

/// <summary>
/// Encodes rgb24 frames into .mp4 or .gif by piping raw pixels to ffmpeg; the frame size comes from the first frame.
/// </summary>
public sealed class VideoWriter : IDisposable
{
    private readonly string _path;
    private readonly int _fps;
    private readonly string _ffmpeg;
    private Process? _process;
    private Task<string>? _stderr;
    private int _width;
    private int _height;

    public int FrameCount { get; private set; }

    public VideoWriter(string path, int fps = 30, string ffmpeg = "ffmpeg")
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".mp4" or ".gif"))
        {
            throw new VideoException($"Video file '{path}' must end in .mp4 or .gif.");
        }

        _path = path;
        _fps = fps;
        _ffmpeg = ffmpeg;
    }

    /// <summary>True when ffmpeg can be started.</summary>
    public static bool FfmpegAvailable(string ffmpeg = "ffmpeg")
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(ffmpeg, "-version") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (probe is null)
            {
                return false;
            }

            probe.StandardOutput.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    /// <summary>One frame of height x width x 3 bytes, row-major RGB.</summary>
    public void AddFrame(ReadOnlySpan<byte> rgb, int height, int width)
    {
        if (rgb.Length != height * width * 3)
        {
            throw new VideoException($"A {height}x{width} RGB frame needs {height * width * 3} bytes, got {rgb.Length}.");
        }

        if (_process is null)
        {
            Start(height, width);
        }
        else if (height != _height || width != _width)
        {
            throw new VideoException($"Frame size changed from {_height}x{_width} to {height}x{width}.");
        }

        try
        {
            _process!.StandardInput.BaseStream.Write(rgb);
        }
        catch (IOException)
        {
            throw new VideoException($"ffmpeg stopped while writing '{_path}': {Finish()}");
        }
        FrameCount++;
    }

    private void Start(int height, int width)
    {
        (_height, _width) = (height, width);
        // Even sizes keep yuv420p (the pixel format every player reads) happy; gifs get their own palette.
        var output = Path.GetExtension(_path).Equals(".gif", StringComparison.OrdinalIgnoreCase)
            ? "-vf \"split[a][b];[a]palettegen[p];[b][p]paletteuse\""
            : "-vf \"pad=ceil(iw/2)*2:ceil(ih/2)*2\" -c:v libx264 -pix_fmt yuv420p";
        var arguments = $"-y -loglevel error -f rawvideo -pix_fmt rgb24 -s {width}x{height} -r {_fps} -i - {output} \"{_path}\"";
        try
        {
            _process = Process.Start(new ProcessStartInfo(_ffmpeg, arguments)
            {
                RedirectStandardInput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new VideoException("ffmpeg did not start.");
        }
        catch (Win32Exception)
        {
            throw new VideoException($"Recording a video needs ffmpeg on PATH ('{_ffmpeg}' was not found). Install it, e.g. `sudo apt-get install ffmpeg`.");
        }
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    /// <summary>Closes the pipe and waits for ffmpeg; throws when it failed.</summary>
    public void Complete()
    {
        if (_process is null)
        {
            throw new VideoException($"No frames were recorded for '{_path}'.");
        }

        var error = Finish();
        if (_process.ExitCode != 0)
        {
            throw new VideoException($"ffmpeg failed to write '{_path}' (exit {_process.ExitCode}): {error}");
        }
    }

    private string Finish()
    {
        try
        { _process!.StandardInput.Close(); }
        catch (IOException) { }
        _process!.WaitForExit();
        return _stderr!.Result.Trim();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            try
            { _process.StandardInput.Close(); }
            catch (IOException) { }
            if (!_process.WaitForExit(5000))
            {
                _process.Kill();
            }
        }
        _process?.Dispose();
    }
}
