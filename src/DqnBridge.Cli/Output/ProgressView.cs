using System.Globalization;
using DqnBridge.Agent.Training;
using Spectre.Console;

namespace DqnBridge.Cli.Output;

/// <summary>
/// A live progress bar on a terminal; elsewhere (CI logs, redirected output, tests) one plain line every
/// few seconds, so logs stay readable.
/// </summary>
public sealed class ProgressView(IAnsiConsole console, TextWriter plainOutput, TimeSpan plainInterval)
{
    /// <summary>One line: step, speed, mean return of the last episodes, epsilon and the time left.</summary>
    public static string Describe(TrainingProgress p)
    {
        string meanReturn = double.IsNaN(p.RecentMeanReturn) ? "-" : p.RecentMeanReturn.ToString("F1", CultureInfo.InvariantCulture);
        TimeSpan? left = p.StepsPerSecond > 0 ? TimeSpan.FromSeconds((p.TotalTimesteps - p.GlobalStep) / p.StepsPerSecond) : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"step {p.GlobalStep:N0}/{p.TotalTimesteps:N0} | {p.StepsPerSecond:N0} steps/s | return {meanReturn} | epsilon {p.Epsilon:F3} | left {FormatTime(left)}");
    }

    public static string FormatTime(TimeSpan? time) => time is not { } t ? "?"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{t.Minutes}m{t.Seconds:00}s";

    public T Run<T>(string title, Func<Action<TrainingProgress>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
        {
            return RunPlain(title, work);
        }

        console.WriteLine(title);
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: 1);
                result = work(snapshot =>
                {
                    task.MaxValue = Math.Max(1, snapshot.TotalTimesteps);
                    task.Value = Math.Min(snapshot.GlobalStep, snapshot.TotalTimesteps);
                    task.Description = Markup.Escape(Describe(snapshot));
                });
            });
        return result;
    }

    private T RunPlain<T>(string title, Func<Action<TrainingProgress>, T> work)
    {
        plainOutput.WriteLine(title);
        var lastLine = DateTime.MinValue;
        return work(snapshot =>
        {
            var now = DateTime.UtcNow;
            if (now - lastLine < plainInterval && snapshot.GlobalStep < snapshot.TotalTimesteps)
            {
                return;
            }

            lastLine = now;
            plainOutput.WriteLine(Describe(snapshot));
        });
    }
}
