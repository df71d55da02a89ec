using System.Diagnostics;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DqnBridge.Benchmarks;

/// <summary>
/// The Nature-CNN train step (batch 32, 4x84x84 uint8 frames, 5 actions, Adam, MSE loss) as a CNN run on the CPU takes it
/// (update_path auto: the fused path), beside the reference update and the fused path with its first convolution as space
/// to depth (SpaceToDepthCnn), milliseconds per step in process CPU time and wall time:
///   cnn [--block-steps 10] [--blocks 9] [--torch-python PYTHON] [--torch-library-path DIR] [--phases]
/// with one and two libtorch intra-op threads and torch_threads: auto's count, beside the same step in PyTorch (benchmarks/reference/cnn_train_step.py,
/// run by PYTHON when it can import torch; optional). Blocks of steps are taken in turn by every contender so that they share
/// the ups and downs of a busy machine; each figure is the median block. --phases also splits one step into its parts.
/// </summary>
public static class CnnStepBenchmark
{
    private const int BatchSize = 32;
    private const int ActionCount = 5; // ALE/Tetris-v5's action set
    private const int WarmupSteps = 5;

    public static int Run(Dictionary<string, string> options)
    {
        int blockSteps = int.Parse(options.GetValueOrDefault("block-steps", "10"));
        int blocks = int.Parse(options.GetValueOrDefault("blocks", "9"));
        using var torchReference = PyTorchReference.TryStart(options.GetValueOrDefault("torch-python"), options.GetValueOrDefault("torch-library-path"));
        TrainSteps(blockSteps, blocks, torchReference);
        if (options.ContainsKey("phases"))
        {
            Phases(blockSteps, blocks, torchReference);
        }
        return 0;
    }

    /// <summary>
    /// Whole train steps in two passes: ours (auto's path, the reference path, the fused path with space to depth) beside
    /// PyTorch's, one thread each, then auto's path with one thread, two threads and torch_threads: auto's count. Program.cs has set OMP_WAIT_POLICY=PASSIVE first, as the CLI does, unless the
    /// environment sets OMP_WAIT_POLICY or GOMP_SPINCOUNT (GOMP_SPINCOUNT=300000, libgomp's own default, shows spinning).
    /// </summary>
    public static void TrainSteps(int blockSteps, int blocks, PyTorchReference? torchReference)
    {
        using var setup = new Setup(UpdatePath.Auto);
        using var reference = new Setup(UpdatePath.Reference);
        using var fusedPlain = new Setup(UpdatePath.Fused, spaceToDepth: true);
        setup.Steps(threads: 2, WarmupSteps);
        setup.Steps(threads: 1, WarmupSteps);
        reference.Steps(threads: 1, WarmupSteps);
        fusedPlain.Steps(threads: 1, WarmupSteps);
        Console.WriteLine($"Nature-CNN train step (batch {BatchSize}, 4x84x84 uint8, 5 actions, Adam, MSE), blocks of {blockSteps} steps taken in turn, median of {blocks} blocks, ms per step:");
        Console.WriteLine($"  {"",-48} {"process CPU",11} {"wall",9}");
        var oneThread = ($"DqnBridge ({setup.PathName}), 1 libtorch thread", (Func<StepCost>)(() => setup.Steps(threads: 1, blockSteps)));
        var referenceOneThread = ($"DqnBridge ({reference.PathName}), 1 libtorch thread", (Func<StepCost>)(() => reference.Steps(threads: 1, blockSteps)));
        var fusedPlainOneThread = ($"DqnBridge ({fusedPlain.PathName}), 1 libtorch thread", (Func<StepCost>)(() => fusedPlain.Steps(threads: 1, blockSteps)));
        List<(string, Func<StepCost>)> contenders = [oneThread, referenceOneThread, fusedPlainOneThread];
        if (torchReference is not null)
        {
            contenders.Add(($"PyTorch {torchReference.Version}, 1 thread", () => torchReference.Request($"step 1 {blockSteps}")));
        }
        Print(contenders, blocks);
        var (autoThreads, autoDescription) = TorchRuntime.ResolveThreads(DqnConfig.AutoTorchThreads, NetworkKind.NatureCnn);
        Console.WriteLine($"  auto: {autoDescription}");
        Print([oneThread, ("DqnBridge, 2 libtorch threads", () => setup.Steps(threads: 2, blockSteps)),
            ($"DqnBridge, torch_threads: auto ({autoThreads})", () => setup.Steps(threads: autoThreads, blockSteps))], blocks);
        set_num_threads(1);
        // What torch_threads relies on: libtorch applies the count set on one thread to the threads that compute later.
        int threadsElsewhere = Task.Run(get_num_threads).Result;
        int gen2 = GC.CollectionCount(2);
        var pauseBefore = GC.GetTotalPauseDuration();
        setup.Steps(threads: 1, 100);
        Console.WriteLine($"  after set_num_threads(1), libtorch on another thread uses {threadsElsewhere}; "
            + $"100 steps: {GC.CollectionCount(2) - gen2} gen2 collections (the no-GC region's start), {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds / 100:F3} ms GC pause per step");
        if (torchReference is not null)
        {
            Console.WriteLine($"  PyTorch's BLAS: {torchReference.Blas}");
        }
    }

    private static void Print(List<(string Name, Func<StepCost> Block)> contenders, int blocks)
    {
        var medians = MedianBlocks(contenders, blocks);
        for (int i = 0; i < contenders.Count; i++)
        {
            string ratio = i > 0 ? $"   CPU / first row = {medians[i].Cpu / medians[0].Cpu:F2}, wall {medians[i].Wall / medians[0].Wall:F2}" : "";
            Console.WriteLine($"  {contenders[i].Name,-48} {medians[i].Cpu,11:F2} {medians[i].Wall,9:F2}{ratio}");
        }
    }

    /// <summary>One step's parts, each timed apart over the same batch (ours and, when there, PyTorch's), one thread.</summary>
    private static void Phases(int blockSteps, int blocks, PyTorchReference? torchReference)
    {
        set_num_threads(1);
        using var setup = new Setup(UpdatePath.Reference);
        var names = setup.Phases.Keys.ToArray();
        var contenders = new List<(string Name, Func<StepCost> Block)>();
        foreach (string name in names)
        {
            contenders.Add((name, () => Measure(blockSteps, setup.Phases[name])));
            if (torchReference is not null && name != "no_gc_region")
            {
                contenders.Add(("torch " + name, () => torchReference.Request($"phase {name} {blockSteps}")));
            }
        }
        foreach (string name in names)
        {
            Measure(WarmupSteps, setup.Phases[name]);
        }
        var medians = MedianBlocks(contenders, blocks);
        var ours = new Dictionary<string, StepCost>();
        var theirs = new Dictionary<string, StepCost>();
        for (int i = 0; i < contenders.Count; i++)
        {
            string name = contenders[i].Name;
            (name.StartsWith("torch ", StringComparison.Ordinal) ? theirs : ours)[name.Replace("torch ", "")] = medians[i];
        }
        Console.WriteLine("The step's parts, one thread, median block, process CPU ms (backward = forward_backward - online_forward):");
        foreach (string name in names.Append("backward"))
        {
            double Cpu(Dictionary<string, StepCost> costs) => name == "backward"
                ? costs["forward_backward"].Cpu - costs["online_forward"].Cpu
                : costs[name].Cpu;
            string torchFigure = theirs.ContainsKey(name) || (name == "backward" && theirs.Count > 0) ? $"   PyTorch {Cpu(theirs),8:F3}" : "";
            Console.WriteLine($"  {name,-28} DqnBridge {Cpu(ours),8:F3}{torchFigure}");
        }
    }

    private static StepCost[] MedianBlocks(List<(string Name, Func<StepCost> Block)> contenders, int blocks) =>
        StepCost.MedianBlocks(contenders.Select(c => (Func<int, StepCost>)(_ => c.Block())).ToList(), blocks);

    /// <summary>Milliseconds per call of <paramref name="action"/>, called <paramref name="count"/> times.</summary>
    private static StepCost Measure(int count, Action action) => StepCost.Measure(count, 1e3, () =>
    {
        for (int i = 0; i < count; i++)
        {
            action();
        }
    });

    /// <summary>Networks, update and one random batch, as a CNN training run builds them.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly QNetwork _qNetwork;
        private readonly QNetwork _targetNetwork;
        private readonly IDqnUpdate _update;
        private const int PoolSize = 32;
        private readonly DqnBatch[] _batches;
        private readonly DqnBatch _batch; // the phases' batch
        private int _stepCount;
        // For the phases: a second optimizer over the same weights, and the scaled batch computed once.
        private readonly OptimizerHelper _optimizer;
        private readonly Scalar _byteScale = 255.0.ToScalar();
        private readonly Tensor _scaled;

        /// <summary>
        /// The step of <paramref name="path"/> (auto: the one a CNN run on the CPU takes); <paramref name="spaceToDepth"/>
        /// runs the fused path's first convolution as space to depth (SpaceToDepthCnn).
        /// </summary>
        public Setup(UpdatePath path, bool spaceToDepth = false)
        {
            var config = DqnConfig.CleanRlAtari();
            config.UpdatePath = path;
            random.manual_seed(1);
            _qNetwork = QNetwork.NatureCnn([4, 84, 84], ActionCount);
            _targetNetwork = _qNetwork.CreateSibling();
            _update = spaceToDepth
                ? new FusedCpuUpdate(config, _qNetwork, _targetNetwork, writtenOutMlpPass: true, spaceToDepthCnn: true)
                : DqnUpdates.Create(config, _qNetwork, _targetNetwork, CPU);
            PathName = (path == UpdatePath.Auto ? "auto: " : "") + _update.Path.ToString().ToLowerInvariant() + (spaceToDepth ? ", space to depth" : "");
            _update.UpdateTarget(1.0);
            // A pool of random batches, taken in turn: trained on one batch over and over, a network soon fits it, its
            // gradients shrink into subnormal floats and every step slows down, which a real run never sees.
            var generator = new Random(2);
            _batches = new DqnBatch[PoolSize];
            for (int b = 0; b < PoolSize; b++)
            {
                _batches[b] = new DqnBatch(BatchSize, [4, 84, 84], ScalarType.Byte);
                var view = _batches[b].View;
                generator.NextBytes(view.Observations);
                generator.NextBytes(view.NextObservations);
                for (int i = 0; i < BatchSize; i++)
                {
                    view.Actions[i] = generator.Next(ActionCount);
                    view.Rewards[i] = (float)generator.NextDouble();
                    view.Dones[i] = generator.NextDouble() < 0.1 ? 1f : 0f;
                }
            }
            _batch = _batches[0];
            _optimizer = optim.Adam(_qNetwork.parameters(), config.LearningRate);
            _scaled = _batch.Observations.to_type(ScalarType.Float32).div_(_byteScale);
            var layers = _qNetwork.children().OfType<Sequential>().Single();
            Phases = new Dictionary<string, Action>
            {
                ["scale"] = () =>
                {
                    using var observations = _batch.Observations.to_type(ScalarType.Float32).div_(_byteScale);
                    using var nextObservations = _batch.NextObservations.to_type(ScalarType.Float32).div_(_byteScale);
                },
                ["target_forward"] = () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    _ = layers.forward(_scaled).max(1);
                },
                ["online_forward"] = () =>
                {
                    using var scope = NewDisposeScope();
                    _ = OnlineLoss(layers);
                },
                ["forward_backward"] = () =>
                {
                    using var scope = NewDisposeScope();
                    _optimizer.zero_grad();
                    OnlineLoss(layers).backward();
                },
                // Unguarded, to time Adam alone (no_gc_region times the guard); the benchmark allocates on this thread only.
                ["adam"] = () => _optimizer.step(),
                ["no_gc_region"] = () =>
                {
                    // What ReferenceUpdate.Step's guard around torch.optim costs alone.
                    using (ImplicitScalarGuard.Enter())
                    {
                    }
                },
            };
        }

        /// <summary>The update path this step runs, as the benchmark prints it.</summary>
        public string PathName { get; }

        /// <summary>Named parts of a step, as benchmarks/reference/cnn_train_step.py names its own.</summary>
        public Dictionary<string, Action> Phases { get; }

        private Tensor OnlineLoss(Sequential layers) =>
            mse_loss(_batch.Rewards, layers.forward(_scaled).gather(1, _batch.Actions).squeeze(1));

        public StepCost Steps(int threads, int count)
        {
            set_num_threads(threads);
            return Measure(count, () => _update.Step(_batches[_stepCount++ % PoolSize], withStatistics: false));
        }

        public void Dispose()
        {
            _scaled.Dispose();
            _byteScale.Dispose();
            _optimizer.Dispose();
            foreach (var batch in _batches)
            {
                batch.Dispose();
            }
            _update.Dispose();
            _targetNetwork.Dispose();
            _qNetwork.Dispose();
        }
    }
}

/// <summary>
/// benchmarks/reference/cnn_train_step.py in --serve mode, in a Python that can import torch: one request a line,
/// one "cpu_ms wall_ms" answer a line. Optional: without such a Python there is no PyTorch figure.
/// </summary>
public sealed class PyTorchReference : IDisposable
{
    private readonly Process _process;

    private PyTorchReference(Process process, string version, string blas)
    {
        _process = process;
        Version = version;
        Blas = blas;
    }

    public string Version { get; }
    public string Blas { get; }

    /// <summary>
    /// Starts the script with <paramref name="python"/> (default python3); null, with a note, when torch is not importable.
    /// <paramref name="libraryPath"/>, when given, is the script's LD_LIBRARY_PATH: Debian's torch multiplies through the
    /// system BLAS, the reference BLAS unless another is chosen, and OpenBLAS can be chosen for this process alone.
    /// </summary>
    public static PyTorchReference? TryStart(string? python, string? libraryPath)
    {
        python ??= "python3";
        string script = Path.Combine(FindRepositoryRoot(), "benchmarks", "reference", "cnn_train_step.py");
        var start = new ProcessStartInfo(python, [script, "--serve"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // One BLAS thread as well as one intra-op thread (Debian's torch multiplies through the system BLAS).
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        if (libraryPath is not null)
        {
            start.Environment["LD_LIBRARY_PATH"] = libraryPath;
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"(no PyTorch figure: cannot start {python}: {e.Message})");
            return null;
        }
        string? banner = process.StandardOutput.ReadLine();
        if (banner is null || !banner.StartsWith("torch ", StringComparison.Ordinal))
        {
            string error = process.StandardError.ReadToEnd().Trim().Split('\n').LastOrDefault() ?? "";
            process.WaitForExit();
            process.Dispose();
            Console.WriteLine($"(no PyTorch figure: {python} cannot run the reference script: {error}; pass --torch-python with a Python that has torch)");
            return null;
        }
        string[] parts = banner["torch ".Length..].Split(", blas ", 2);
        return new PyTorchReference(process, parts[0], parts.Length > 1 ? parts[1] : "?");
    }

    public StepCost Request(string request)
    {
        _process.StandardInput.WriteLine(request);
        _process.StandardInput.Flush();
        string answer = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the PyTorch reference script stopped: {_process.StandardError.ReadToEnd()}");
        string[] figures = answer.Split(' ');
        return new StepCost(
            double.Parse(figures[0], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(figures[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "benchmarks", "reference", "cnn_train_step.py")))
            {
                return directory.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit();
        _process.Dispose();
    }
}

