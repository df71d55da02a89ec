using DqnBridge.Agent;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>Stands in until the agent and environment layers are part of this build.</summary>
public sealed class UnavailableBackend : ITrainingBackend
{
    private const string Missing = "This build of dqnbridge has no training engine: the agent and environment layers are not linked in yet.";

    public IReadOnlyList<BackendStatus> Backends(string python) =>
        [new BackendStatus("native", false, "built-in environments not linked in"), PythonProbe.Gymnasium(python)];

    public IReadOnlyList<EnvironmentInfo> ListEnvironments(string python) => [];

    public TrainingResult Train(DqnConfig config, string runDirectory, Action<ProgressSnapshot> onProgress, Action<EpisodeRow> onEpisode, CancellationToken cancellation) =>
        throw new CliException(Missing);

    public EvaluationResult Evaluate(EvaluationRequest request, Action<DqnBridge.Envs.RgbFrame>? onFrame, CancellationToken cancellation) =>
        throw new CliException(Missing);
}
