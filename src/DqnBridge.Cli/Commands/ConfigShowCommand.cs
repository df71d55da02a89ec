using System.CommandLine;
using DqnBridge.Cli.Config;

namespace DqnBridge.Cli.Commands;

/// <summary>`dqnbridge config show`: the config a train command would run with, as YAML, without training.</summary>
public sealed class ConfigShowCommand(CommandContext context, TrainingInputs inputs)
{
    public Command Create()
    {
        var command = new Command("show", "Print the resolved config (defaults + file + overrides) as YAML, without training");
        inputs.AddTo(command);
        command.SetAction(parse =>
        {
            context.Output.Write(ConfigLoader.ToYaml(inputs.Resolve(parse)));
            return ExitCodes.Ok;
        });
        return command;
    }
}
