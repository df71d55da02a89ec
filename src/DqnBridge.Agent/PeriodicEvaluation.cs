using System.Globalization;
using DqnBridge.Envs;
using TorchSharp.Modules;

namespace DqnBridge.Agent;

/// <summary>One row of eval.csv: the returns of one evaluation during training.</summary>
/// <param name="Clipped">Returns with every reward clipped to its sign (what an Atari agent trains on); null for other environments.</param>
public sealed record EvaluationRow(long GlobalStep, int Episodes, long Steps, ReturnStatistics Raw, ReturnStatistics? Clipped);

/// <summary>
/// Evaluation during training (eval_frequency): every eval_frequency steps the current Q-network plays
/// eval_episodes episodes (or eval_steps steps) with eval_epsilon on an environment of its own, made without the
/// training-only preprocessing (no life loss, no reward clipping), so returns are raw game scores. Each evaluation
/// resets that environment with eval_seed + step and draws its exploration from the same seed: it depends only on the
/// step and the network, never on earlier evaluations, so a resumed run writes the same eval.csv as an uninterrupted one.
/// Training itself is untouched (no shared RNG, no shared environment).
/// </summary>
public sealed class PeriodicEvaluation : IDisposable
{
    public const string CsvFile = "eval.csv";

    private readonly DqnConfig _config;
    private readonly QNetwork _network;
    private readonly IEnv _ownedEnv;
    private readonly TensorBoardWriter? _tensorboard;
    private readonly bool _reportClipped;
    private readonly List<EvaluationRow> _rows = [];

    /// <param name="ownedEnv">The evaluation environment; this object disposes it.</param>
    /// <param name="nextStep">The trainer's step: rows of eval.csv after it (written after the checkpoint a run resumes from) are dropped.</param>
    public PeriodicEvaluation(DqnConfig config, QNetwork network, IEnv ownedEnv, string runDirectory, TensorBoardWriter? tensorboard, long nextStep)
    {
        _config = config;
        _network = network;
        _ownedEnv = ownedEnv;
        _tensorboard = tensorboard;
        _reportClipped = config.Wrappers == EnvWrappers.Atari;
        CsvPath = Path.Combine(runDirectory, CsvFile);
        KeepRowsUpTo(nextStep);
    }

    public string CsvPath { get; }

    /// <summary>The evaluations of this run so far (resumed runs included).</summary>
    public IReadOnlyList<EvaluationRow> Rows => _rows;

    /// <summary>Evaluates when <paramref name="nextStep"/> (steps done) is a multiple of eval_frequency.</summary>
    public EvaluationRow? AfterStep(long nextStep) =>
        _config.EvalFrequency > 0 && nextStep % _config.EvalFrequency == 0 ? Evaluate(nextStep) : null;

    /// <summary>The seed of the evaluation at <paramref name="step"/>: a function of the step alone.</summary>
    public static int SeedAt(DqnConfig config, long step) => unchecked(config.EvalSeed + (int)step);

    public EvaluationRow Evaluate(long step)
    {
        var episodes = EpisodePlayer.Play(_network, _ownedEnv, _config.EvalEpisodes, _config.EvalSteps, _config.EvalEpsilon, SeedAt(_config, step));
        var row = new EvaluationRow(step, episodes.Count, episodes.Sum(e => (long)e.Length),
            ReturnStatistics.Of(episodes.Select(e => e.Return).ToList()),
            _reportClipped ? ReturnStatistics.Of(episodes.Select(e => e.ClippedReturn).ToList()) : null);
        _rows.Add(row);
        Append(row);
        if (_tensorboard is not null)
        {
            int at = (int)step;
            _tensorboard.AddScalar("eval/mean_return", (float)row.Raw.Mean, at);
            _tensorboard.AddScalar("eval/max_return", (float)row.Raw.Max, at);
            _tensorboard.AddScalar("eval/min_return", (float)row.Raw.Min, at);
            if (row.Clipped is { } clipped)
            {
                _tensorboard.AddScalar("eval/mean_clipped_return", (float)clipped.Mean, at);
                _tensorboard.AddScalar("eval/max_clipped_return", (float)clipped.Max, at);
                _tensorboard.AddScalar("eval/min_clipped_return", (float)clipped.Min, at);
            }
        }
        return row;
    }

    private string Header => "global_step,episodes,steps,mean_return,max_return,min_return" +
        (_reportClipped ? ",mean_clipped_return,max_clipped_return,min_clipped_return" : "");

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Line(EvaluationRow row)
    {
        string line = string.Join(',', row.GlobalStep.ToString(CultureInfo.InvariantCulture), row.Episodes.ToString(CultureInfo.InvariantCulture),
            row.Steps.ToString(CultureInfo.InvariantCulture), Number(row.Raw.Mean), Number(row.Raw.Max), Number(row.Raw.Min));
        return row.Clipped is { } c ? string.Join(',', line, Number(c.Mean), Number(c.Max), Number(c.Min)) : line;
    }

    /// <summary>Written whole after each evaluation (they are rare), so the file is complete whenever a checkpoint is taken.</summary>
    private void Append(EvaluationRow row) => File.AppendAllText(CsvPath, Line(row) + "\n");

    private void KeepRowsUpTo(long nextStep)
    {
        var kept = new List<string> { Header };
        if (nextStep > 0 && File.Exists(CsvPath))
        {
            foreach (string line in File.ReadLines(CsvPath).Skip(1))
            {
                var fields = line.Split(',');
                if (fields.Length < 6 || !long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step) || step > nextStep)
                {
                    continue;
                }
                kept.Add(line);
                _rows.Add(ParseRow(fields));
            }
        }
        File.WriteAllText(CsvPath, string.Join("\n", kept) + "\n");
    }

    private static EvaluationRow ParseRow(string[] f)
    {
        static double D(string text) => double.Parse(text, CultureInfo.InvariantCulture);
        var raw = new ReturnStatistics(D(f[4]), D(f[3]), D(f[5]));
        var clipped = f.Length >= 9 ? new ReturnStatistics(D(f[7]), D(f[6]), D(f[8])) : null;
        return new EvaluationRow(long.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
            long.Parse(f[2], CultureInfo.InvariantCulture), raw, clipped);
    }

    public void Dispose() => _ownedEnv.Dispose();
}
