using Spectre.Console;

namespace DqnBridge.Cli.Tests;

/// <summary>Runs dqnbridge in-process with captured, non-interactive output.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    public static CliRun Invoke(ITrainingBackend backend, params string[] args) => Invoke(backend, CancellationToken.None, args);

    public static CliRun Invoke(ITrainingBackend backend, CancellationToken cancellation, params string[] args)
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
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>.NET stack trace lines look like "   at Namespace.Type.Method(...)".</summary>
    public bool HasStackTrace => All.Contains("   at ", StringComparison.Ordinal);
}
