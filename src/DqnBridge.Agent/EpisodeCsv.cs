using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace DqnBridge.Agent;

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

    /// <summary>Opens the file; on a resume keeps the header and the first <paramref name="keepRows"/> episodes, dropping any written after the checkpoint.</summary>
    public EpisodeCsv(string path, long keepRows)
    {
        bool append = keepRows > 0 && File.Exists(path);
        if (append)
        {
            var lines = File.ReadLines(path).Take((int)keepRows + 1).ToList();
            File.WriteAllLines(path, lines);
        }
        var writer = new StreamWriter(path, append);
        _csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = !append });
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
