using DqnBridge.Agent.Torch;
using DqnBridge.Cli.Commands;
using Spectre.Console;

// Before anything loads libtorch: its OpenMP threads read their wait policy once, when the library loads.
TorchRuntime.PrepareOpenMp();

// Ctrl+C, SIGTERM and SIGHUP ask training to stop: the trainer writes a checkpoint and we exit 130, 143 or 129.
using var stop = new StopSignals(Console.Error);

var backend = AgentBackend.OnEnvironmentLayer(Console.Error.WriteLine);

var app = new CliApp(backend, AnsiConsole.Console, Console.Out, Console.Error);
return stop.ExitCodeFor(app.Run(args, stop.Token));
