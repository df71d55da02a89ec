using Spectre.Console;

namespace DqnBridge.Cli.Tests;

/// <summary>Runs dqnbridge in-process with captured, non-interactive output.</summary>
internal static class CliRun
{
    public static CliOutput Invoke(ITrainingBackend backend, params string[] args) => Invoke(backend, CancellationToken.None, args);

    public static CliOutput Invoke(ITrainingBackend backend, CancellationToken cancellation, params string[] args) =>
        Invoke(cancellation, args, (console, output, error) => new CliApp(backend, console, output, error) { PlainProgressInterval = TimeSpan.Zero });

    /// <summary>
    /// As <see cref="Invoke(ITrainingBackend, string[])"/>, with `benchmark --slurm` looking for sbatch only in
    /// <paramref name="slurmSearchPath"/> and writing <paramref name="dqnbridge"/> into its scripts as the command to run.
    /// </summary>
    public static CliOutput InvokeForSlurm(ITrainingBackend backend, string slurmSearchPath, IReadOnlyList<string> dqnbridge, params string[] args) =>
        Invoke(CancellationToken.None, args, (console, output, error) => new CliApp(backend, console, output, error)
        {
            PlainProgressInterval = TimeSpan.Zero,
            SlurmSearchPath = slurmSearchPath,
            DqnbridgeCommand = dqnbridge,
        });

    private static CliOutput Invoke(CancellationToken cancellation, string[] args, Func<IAnsiConsole, TextWriter, TextWriter, CliApp> makeApp)
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
        var code = makeApp(console, output, error).Run(args, cancellation);
        return new CliOutput(code, output.ToString(), error.ToString());
    }
}
