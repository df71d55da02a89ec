using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using DqnBridge.Agent.Training;

namespace DqnBridge.Agent.Logging;

/// <summary>episodes.csv, one row per finished episode, written with CsvHelper.</summary>
internal sealed class EpisodeCsv : IDisposable
{
    private sealed class RecordMap : ClassMap<EpisodeRecord>
    {
        public RecordMap()
        {
            Map(r => r.GlobalStep).Name("global_step");
            Map(r => r.Episode).Name("episode");
            Map(r => r.Return).Name("return");
            Map(r => r.Length).Name("length");
            Map(r => r.Epsilon).Name("epsilon");
            Map(r => r.WallTime).Name("wall_time");
        }
    }

    private readonly CsvWriter _csv;

    /// <summary>Every line ends in LF, on every platform and across resumes (CsvHelper's default is CRLF, File.WriteAllLines' the platform's).</summary>
    private const string LineEnding = "\n";

    private const string Header = "global_step,episode,return,length,epsilon,wall_time";

    /// <summary>
    /// Opens the file; on a resume keeps the header and the first <paramref name="keepRows"/> episodes, dropping any written
    /// after the checkpoint (and rewriting the kept lines with <see cref="LineEnding"/>; a header lost by hand is put back).
    /// </summary>
    public EpisodeCsv(string path, long keepRows)
    {
        bool append = keepRows > 0 && File.Exists(path);
        if (append)
        {
            var rows = File.ReadLines(path).Where(line => line.Length > 0)
                .SkipWhile(line => line.StartsWith("global_step,", StringComparison.Ordinal)).Take((int)keepRows).ToList();
            File.WriteAllText(path, string.Concat(rows.Prepend(Header).Select(line => line + LineEnding)));
        }
        var writer = new StreamWriter(path, append) { NewLine = LineEnding };
        _csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = !append, NewLine = LineEnding });
        _csv.Context.RegisterClassMap<RecordMap>();
        if (!append)
        {
            _csv.WriteHeader<EpisodeRecord>();
            _csv.NextRecord();
        }
    }

    public void Write(EpisodeRecord record)
    {
        _csv.WriteRecord(record);
        _csv.NextRecord();
    }

    public void Flush() => _csv.Flush();

    public void Dispose() => _csv.Dispose();
}
