using System.CommandLine;
using Spectre.Console;

namespace DqnBridge.Cli.Output;

/// <summary>The --format option of the commands that print tables, and its default.</summary>
public static class TableFormats
{
    private static readonly Dictionary<string, TableFormat> ByName = new()
    {
        ["table"] = TableFormat.Table,
        ["plain"] = TableFormat.Plain,
        ["markdown"] = TableFormat.Markdown,
    };

    public static Option<string?> Option() => new Option<string?>("--format")
    {
        Description = "table (a box sized to the terminal), plain (aligned columns, one line per row) or markdown [default: table on a terminal, plain when redirected]",
    }.AcceptOnlyFromAmong([.. ByName.Keys]);

    /// <summary>The format named, or by default a box on a terminal and plain text when the output goes to a pipe or a file.</summary>
    public static TableFormat Resolve(string? name, IAnsiConsole console) =>
        name is not null ? ByName[name] : console.Profile.Out.IsTerminal ? TableFormat.Table : TableFormat.Plain;
}
