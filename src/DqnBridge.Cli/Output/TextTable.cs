using Spectre.Console;

namespace DqnBridge.Cli.Output;

/// <summary>How a table is printed.</summary>
public enum TableFormat
{
    /// <summary>A box sized to the terminal; cells wrap to fit.</summary>
    Table,

    /// <summary>Aligned columns, one line per row at any width: for pipes, files and logs.</summary>
    Plain,

    /// <summary>A GitHub-flavoured markdown table: for docs.</summary>
    Markdown,
}

/// <param name="Code">Whether markdown shows the column's cells as code (key names, values a user types).</param>
public sealed record TextColumn(string Header, bool Code = false);

/// <summary>
/// Rows of text that print as a box on a terminal and as plain aligned lines when the output is redirected, so a
/// piped table never wraps a cell mid-word at an assumed 80 columns; or as markdown.
/// </summary>
public sealed class TextTable(params TextColumn[] columns)
{
    /// <summary>Columns between plain cells.</summary>
    private const string PlainGap = "  ";

    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public TextTable AddRow(params string[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"A row of this table has {columns.Length} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    /// <summary>A box on <paramref name="console"/>, or plain or markdown text on <paramref name="output"/>.</summary>
    public void Write(TableFormat format, IAnsiConsole console, TextWriter output)
    {
        if (format == TableFormat.Table)
        {
            var table = new Table().AddColumns([.. columns.Select(c => Markup.Escape(c.Header))]);
            foreach (var row in _rows)
            {
                table.AddRow([.. row.Select(Markup.Escape)]);
            }

            console.Write(table);
            return;
        }
        output.Write(format == TableFormat.Markdown ? ToMarkdown() : ToPlain());
    }

    /// <summary>Every row on one line, each column as wide as its widest cell, without trailing spaces.</summary>
    public string ToPlain()
    {
        var lines = _rows.Select(row => row.Select(OneLine).ToArray()).Prepend([.. columns.Select(c => c.Header)]).ToList();
        var widths = columns.Select((_, i) => lines.Max(line => line[i].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var line in lines)
        {
            text.AppendLine(string.Join(PlainGap, line.Select((cell, i) => i == line.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("| " + string.Join(" | ", columns.Select(c => c.Header)) + " |");
        text.AppendLine("|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var row in _rows)
        {
            text.AppendLine("| " + string.Join(" | ", row.Select((cell, i) => MarkdownCell(cell, columns[i].Code))) + " |");
        }

        return text.ToString();
    }

    /// <summary>A pipe would end the cell: code keeps the value as typed (\|), text gets room to wrap between choices ( \| ).</summary>
    private static string MarkdownCell(string cell, bool code)
    {
        var line = OneLine(cell);
        return code ? (line.Length == 0 ? "" : $"`{line.Replace("|", "\\|")}`") : line.Replace("|", " \\| ");
    }

    private static string OneLine(string cell) => cell.ReplaceLineEndings(" ");
}
