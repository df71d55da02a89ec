using System.Globalization;
using DqnBridge.Agent.Logging;
using DqnBridge.Agent.Networks;
using DqnBridge.Envs;
using TorchSharp.Modules;

namespace DqnBridge.Agent.Training;

/// <summary>
/// Evaluation during training (eval_frequency): every eval_frequency steps the current Q-network plays
/// eval_episodes episodes (or eval_steps steps) with eval_epsilon on an environment of its own, made with training's
/// preprocessing (the same wrappers, stack padding, no-op and FIRE resets, frame skip, and vectorization ale's own
/// emulator preprocessing) but without reward clipping, and an Atari episode lasts a whole game, so returns are raw
/// game scores (Atari runs also report the returns with every reward clipped to its sign, what the agent trains on).
/// Each evaluation resets that environment with eval_seed + step and draws its exploration from the same seed: it
/// depends only on the step and the network, never on earlier evaluations, so a resumed run writes the same eval.csv
/// as an uninterrupted one. The best mean so far is read back from eval.csv on resume, so checkpoints/best ends the
/// same too. Training itself is untouched (no shared RNG, no shared environment).
/// </summary>
public sealed class PeriodicEvaluation : IDisposable
{
    /// <summary>File name of the evaluations table in the run folder.</summary>
    public const string CsvFile = "eval.csv";

    private readonly DqnConfig _config;
    private readonly QNetwork _network;
    private readonly IEnv _ownedEnv;
    private readonly TensorBoardWriter? _tensorboard;
    private readonly bool _reportClipped;
    private readonly string _csvPath;
    private double _bestMean = double.NegativeInfinity;

    /// <param name="config">Evaluation episodes, epsilon, frequency and seed.</param>
    /// <param name="network">The Q-network to evaluate.</param>
    /// <param name="ownedEnv">The evaluation environment; this object disposes it.</param>
    /// <param name="runDirectory">The run folder that gets eval.csv.</param>
    /// <param name="tensorboard">Also receives the returns, when not null.</param>
    /// <param name="nextStep">The trainer's step: rows of eval.csv after it (written after the checkpoint a run resumes from) are dropped.</param>
    public PeriodicEvaluation(DqnConfig config, QNetwork network, IEnv ownedEnv, string runDirectory, TensorBoardWriter? tensorboard, long nextStep)
    {
        _config = config;
        _network = network;
        _ownedEnv = ownedEnv;
        _tensorboard = tensorboard;
        _reportClipped = config.Wrappers == EnvWrappers.Atari;
        _csvPath = Path.Combine(runDirectory, CsvFile);
        KeepRowsUpTo(nextStep);
    }

    /// <summary>Evaluates when <paramref name="nextStep"/> (steps done) is a multiple of eval_frequency; returns the evaluation, or null.</summary>
    public EvaluationRecord? AfterStep(long nextStep) =>
        _config.EvalFrequency > 0 && nextStep % _config.EvalFrequency == 0 ? Evaluate(nextStep) : null;

    /// <summary>The seed of the evaluation at <paramref name="step"/>: a function of the step alone.</summary>
    public static int SeedAt(DqnConfig config, long step) => unchecked(config.EvalSeed + (int)step);

    private EvaluationRecord Evaluate(long step)
    {
        var episodes = EpisodePlayer.Play(_network, _ownedEnv, _config.EvalEpisodes, _config.EvalSteps, _config.EvalEpsilon, SeedAt(_config, step));
        var raw = ReturnStatistics.Of(episodes.Select(e => e.Return).ToList());
        var clipped = _reportClipped ? ReturnStatistics.Of(episodes.Select(e => e.ClippedReturn).ToList()) : null;
        string line = string.Join(',', step.ToString(CultureInfo.InvariantCulture), episodes.Count.ToString(CultureInfo.InvariantCulture),
            episodes.Sum(e => (long)e.Length).ToString(CultureInfo.InvariantCulture), Numbers(raw));
        // Written whole after each evaluation (they are rare), so the file is complete whenever a checkpoint is taken.
        File.AppendAllText(_csvPath, (clipped is null ? line : line + "," + Numbers(clipped)) + "\n");
        Log("return", raw, (int)step);
        if (clipped is not null)
        {
            Log("clipped_return", clipped, (int)step);
        }
        bool isBest = raw.Mean > _bestMean; // NaN (no episode) is never best; ties keep the earlier weights
        if (isBest)
        {
            _bestMean = raw.Mean;
        }
        return new EvaluationRecord(step, raw, isBest);
    }

    private string Header => "global_step,episodes,steps,mean_return,max_return,min_return" +
        (_reportClipped ? ",mean_clipped_return,max_clipped_return,min_clipped_return" : "");

    private static string Numbers(ReturnStatistics s) =>
        string.Join(',', new[] { s.Mean, s.Max, s.Min }.Select(value => value.ToString("R", CultureInfo.InvariantCulture)));

    private void Log(string what, ReturnStatistics s, int step)
    {
        _tensorboard?.AddScalar($"eval/mean_{what}", (float)s.Mean, step);
        _tensorboard?.AddScalar($"eval/max_{what}", (float)s.Max, step);
        _tensorboard?.AddScalar($"eval/min_{what}", (float)s.Min, step);
    }

    private void KeepRowsUpTo(long nextStep)
    {
        var kept = new List<string> { Header };
        if (nextStep > 0 && File.Exists(_csvPath))
        {
            foreach (string line in File.ReadLines(_csvPath).Skip(1))
            {
                var fields = line.Split(',');
                if (fields.Length >= 6 && long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step) && step <= nextStep)
                {
                    kept.Add(line);
                    if (double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double mean) && mean > _bestMean)
                    {
                        _bestMean = mean;
                    }
                }
            }
        }
        File.WriteAllText(_csvPath, string.Join("\n", kept) + "\n");
    }

    /// <inheritdoc/>
    public void Dispose() => _ownedEnv.Dispose();
}
