using System.CommandLine;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge config keys`: every config key with its type, default and meaning, from the code itself. Its markdown
/// table is the one in docs/config-keys.md, word for word.
/// </summary>
public sealed class ConfigKeysCommand(CommandContext context)
{
    private readonly Option<string?> _format = TableFormats.Option();
    private readonly Option<bool> _markdown = new("--markdown") { Description = "Same as --format markdown" };

    public Command Create()
    {
        var command = new Command("keys", "List every config key with its type, default and meaning");
        command.Options.Add(_format);
        command.Options.Add(_markdown);
        command.SetAction(parse => Run(Format(parse.GetValue(_format), parse.GetValue(_markdown))));
        return command;
    }

    private TableFormat Format(string? format, bool markdown)
    {
        if (markdown && format is not (null or "markdown"))
        {
            throw new CliException($"--markdown and --format {format} ask for different formats; give one of them.", ExitCodes.UsageError);
        }

        return markdown ? TableFormat.Markdown : TableFormats.Resolve(format, context.Console);
    }

    private int Run(TableFormat format)
    {
        var table = new TextTable(new TextColumn("Key", Code: true), new TextColumn("Type"), new TextColumn("Default", Code: true), new TextColumn("Description"));
        foreach (var key in ConfigKeys.All)
        {
            table.AddRow(key.Name, key.TypeText, key.DefaultText, key.Description);
        }

        table.Write(format, context.Console, context.Output);
        return ExitCodes.Ok;
    }
}
