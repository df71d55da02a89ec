using System.CommandLine;

namespace DqnBridge.Cli.Commands;

/// <summary>`dqnbridge config`: the group of `config keys` and `config show`.</summary>
public sealed class ConfigCommand(CommandContext context, TrainingInputs inputs)
{
    public Command Create()
    {
        var command = new Command("config", "Inspect config keys and resolved configs");
        command.Subcommands.Add(new ConfigKeysCommand(context).Create());
        command.Subcommands.Add(new ConfigShowCommand(context, inputs).Create());
        return command;
    }
}
