using System.CommandLine;
using System.Globalization;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge envs`: the backends and whether each works here, the environment ids that can be made here, and the
/// registered ids that cannot, one line per reason with its fix (--all lists those one by one).
/// </summary>
public sealed class EnvsCommand(CommandContext context)
{
    private readonly Option<string?> _python = new("--python") { Description = "Python executable to look for Gymnasium in (default python3, or DQNBRIDGE_PYTHON)" };
    private readonly Option<bool> _all = new("--all") { Description = "Also list every id that cannot be made here, each with its reason" };
    private readonly Option<string?> _format = TableFormats.Option();

    public Command Create()
    {
        var command = new Command("envs", "List the available environments and backends");
        command.Options.Add(_python);
        command.Options.Add(_all);
        command.Options.Add(_format);
        command.SetAction(parse => Run(parse.GetValue(_python) ?? CommandContext.PythonFromEnvironment, parse.GetValue(_all),
            TableFormats.Resolve(parse.GetValue(_format), context.Console)));
        return command;
    }

    private int Run(string python, bool all, TableFormat format)
    {
        var output = context.Output;
        var backends = new TextTable(new TextColumn("Backend", Code: true), new TextColumn("Available"), new TextColumn("Detail"));
        foreach (var status in context.Backend.Backends(python))
        {
            backends.AddRow(status.Name, status.Available ? "yes" : "no", status.Detail);
        }

        backends.Write(format, context.Console, output);

        var listings = context.Backend.ListEnvironments(python);
        var available = new TextTable(new TextColumn("Environment", Code: true), new TextColumn("Backend"), new TextColumn("Actions"), new TextColumn("Notes"));
        foreach (var env in listings.Where(l => l.Unavailable is null))
        {
            available.AddRow(env.Id, env.Backend, env.ActionSpace, env.Notes);
        }

        output.WriteLine();
        available.Write(format, context.Console, output);

        var unavailable = listings.Where(l => l.Unavailable is not null).ToList();
        if (unavailable.Count == 0)
        {
            return ExitCodes.Ok;
        }

        output.WriteLine();
        if (all)
        {
            output.WriteLine($"{unavailable.Count} more {Ids(unavailable.Count)} registered but cannot be made here:");
            var table = new TextTable(new TextColumn("Environment", Code: true), new TextColumn("Backend"), new TextColumn("Why not"));
            foreach (var env in unavailable)
            {
                table.AddRow(env.Id, env.Backend, env.Unavailable!.Describe());
            }

            output.WriteLine();
            table.Write(format, context.Console, output);
            return ExitCodes.Ok;
        }

        output.WriteLine($"{unavailable.Count} more {Ids(unavailable.Count)} registered but cannot be made here (`dqnbridge envs --all` lists each one):");
        if (format == TableFormat.Markdown)
        {
            output.WriteLine();
        }

        var groups = UnavailableGroup.Of(unavailable);
        int countWidth = groups.Max(g => g.Ids.Count).ToString(CultureInfo.InvariantCulture).Length;
        foreach (var group in groups)
        {
            output.WriteLine(format == TableFormat.Markdown ? "- " + group.Describe() : "  " + group.Describe(countWidth));
        }

        return ExitCodes.Ok;
    }

    private static string Ids(int count) => count == 1 ? "id is" : "ids are";
}
