using System.Text;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Output;

/// <summary>Writes a whole file to a temporary name and renames it, so readers never see half a file.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Makes <paramref name="folder"/> (and its parents); when it cannot be made (or, with <paramref name="checkWritable"/>,
    /// written), a <see cref="CliException"/> names the <paramref name="what"/> folder, followed by <paramref name="hint"/>.
    /// </summary>
    public static void CreateFolder(string folder, string what, bool checkWritable = false, string hint = "")
    {
        // The plain IOException for a path through a regular file ("Not a directory") does not say which part is the file.
        for (string? part = Path.GetFullPath(folder); part is not null; part = Path.GetDirectoryName(part))
        {
            if (File.Exists(part))
            {
                throw new CliException($"Cannot make the {what} folder '{folder}': '{part}' is a file, not a folder.{hint}");
            }
        }

        try
        {
            Directory.CreateDirectory(folder);
            if (checkWritable)
            {
                var probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}");
                File.WriteAllText(probe, "");
                File.Delete(probe);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write the {what} folder '{folder}': {e.Message}{hint}");
        }
    }

    public static void WriteAllText(string path, string contents) =>
        Write(path, temporary => File.WriteAllText(temporary, contents, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)));

    /// <summary>Whatever <paramref name="writeTemporary"/> writes to the temporary path it is given, then renamed to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> writeTemporary)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw new CliException($"Cannot write '{path}': {e.Message}");
        }
    }

    /// <summary>A CSV from a header and rows; fields with commas or quotes are quoted.</summary>
    public static void WriteCsv(string path, IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", header.Select(Quote)));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join(",", row.Select(Quote)));
        }

        WriteAllText(path, text.ToString());
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
