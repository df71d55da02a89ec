using System.Globalization;
using Spectre.Console;

namespace DqnBridge.Cli.Output;

/// <summary>What the progress display shows at one moment of training.</summary>
public sealed record ProgressSnapshot(long Step, long TotalSteps, double StepsPerSecond, double? RecentMeanReturn, double Epsilon)
{
    public TimeSpan? TimeLeft => StepsPerSecond > 0 ? TimeSpan.FromSeconds((TotalSteps - Step) / StepsPerSecond) : null;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"step {Step:N0}/{TotalSteps:N0} | {StepsPerSecond:N0} steps/s | return {(RecentMeanReturn is { } r ? r.ToString("F1", CultureInfo.InvariantCulture) : "-")} | epsilon {Epsilon:F3} | left {FormatTime(TimeLeft)}");

    public static string FormatTime(TimeSpan? time) => time is not { } t ? "?"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{t.Minutes}m{t.Seconds:00}s";
}

/// <summary>
/// A live progress bar on a terminal; elsewhere (CI logs, redirected output, tests) one plain line every
/// few seconds, so logs stay readable.
/// </summary>
public sealed class ProgressView(IAnsiConsole console, TextWriter plainOutput, TimeSpan plainInterval)
{
    public T Run<T>(string title, Func<Action<ProgressSnapshot>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
            return RunPlain(title, work);

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
                    task.MaxValue = Math.Max(1, snapshot.TotalSteps);
                    task.Value = Math.Min(snapshot.Step, snapshot.TotalSteps);
                    task.Description = Markup.Escape(snapshot.Describe());
                });
            });
        return result;
    }

    private T RunPlain<T>(string title, Func<Action<ProgressSnapshot>, T> work)
    {
        plainOutput.WriteLine(title);
        var lastLine = DateTime.MinValue;
        return work(snapshot =>
        {
            var now = DateTime.UtcNow;
            if (now - lastLine < plainInterval && snapshot.Step < snapshot.TotalSteps)
                return;
            lastLine = now;
            plainOutput.WriteLine(snapshot.Describe());
        });
    }
}
