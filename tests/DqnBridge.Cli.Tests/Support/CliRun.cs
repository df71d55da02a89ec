using Spectre.Console;

namespace DqnBridge.Cli.Tests;

/// <summary>Runs dqnbridge in-process with captured, non-interactive output.</summary>
internal static class CliRun
{
    public static CliOutput Invoke(ITrainingBackend backend, params string[] args) => Invoke(backend, CancellationToken.None, args);

    public static CliOutput Invoke(ITrainingBackend backend, CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var app = new CliApp(backend, console, output, error) { PlainProgressInterval = TimeSpan.Zero };
        var code = app.Run(args, cancellation);
        return new CliOutput(code, output.ToString(), error.ToString());
    }
}
