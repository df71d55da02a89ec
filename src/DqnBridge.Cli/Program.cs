using DqnBridge.Cli.Commands;
using Spectre.Console;

// Ctrl+C asks training to stop; the trainer writes a checkpoint and we exit 130. A second Ctrl+C exits at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested)
        return;
    e.Cancel = true;
    Console.Error.WriteLine("\nStopping: writing a checkpoint (press Ctrl+C again to quit at once)...");
    cancellation.Cancel();
};

var backend = AgentBackend.OnEnvironmentLayer(Console.Error.WriteLine);

var app = new CliApp(backend, AnsiConsole.Console, Console.Out, Console.Error);
return app.Run(args, cancellation.Token);
