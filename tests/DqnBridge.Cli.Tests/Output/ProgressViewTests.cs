using Spectre.Console;

namespace DqnBridge.Cli.Tests;

/// <summary>The live bar on a terminal, one line per interval elsewhere.</summary>
[TestClass]
public sealed class ProgressViewTests
{
    private static readonly TrainingProgress[] Snapshots =
        [new(1000, 4000, 2500, double.NaN, 0.9, 0), new(2000, 4000, 2600, 21.5, 0.5, 3), new(4000, 4000, 2700, 180.25, 0.05, 9)];

    private static IAnsiConsole MakeConsole(StringWriter output, bool terminal) =>
        AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });

    [TestMethod]
    public void PlainOutputPrintsOneLinePerInterval()
    {
        var output = new StringWriter();
        var console = MakeConsole(output, terminal: false);

        // A long interval: only the first line and the final one get through.
        var steps = new ProgressView(console, output, TimeSpan.FromHours(1)).Run("title", report =>
        {
            foreach (var snapshot in Snapshots)
            {
                report(snapshot);
            }

            return 4000;
        });

        Assert.AreEqual(4000, steps);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, lines);
        Assert.AreEqual("step 1,000/4,000 | 2,500 steps/s | return - | epsilon 0.900 | left 0m01s", lines[1].TrimEnd());
        StringAssert.StartsWith(lines[2], "step 4,000/4,000 | 2,700 steps/s | return 180.2 | epsilon 0.050");
    }

    [TestMethod]
    public void TerminalOutputDrawsALiveBar()
    {
        var output = new StringWriter();
        var console = MakeConsole(output, terminal: true);
        console.Profile.Width = 160;

        new ProgressView(console, output, TimeSpan.Zero).Run("title", report =>
        {
            foreach (var snapshot in Snapshots)
            {
                report(snapshot);
            }

            return 0;
        });

        var text = output.ToString();
        StringAssert.Contains(text, "\u001b[");
        StringAssert.Contains(text, "100%");
        StringAssert.Contains(text, "return 180.2");
    }
}
