using DqnBridge.Agent.Torch;
using DqnBridge.Benchmarks;

// Before anything loads libtorch (as the CLI does): OpenMP reads its wait policy once, when it loads.
Console.WriteLine($"OpenMP: {TorchRuntime.PrepareOpenMp()}");
// As a training run's thread does (TorchRuntime.UseThreads); PyTorch's reference step runs in its own process, unflushed as in CleanRL.
Console.WriteLine($"Subnormal floats: {(TorchRuntime.FlushSubnormals() ? "flushed to zero, as in runs" : "kept")}");

string mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "bridge":
        BridgeBenchmark.Run(args[1..]);
        return 0;
    case "gymnasium":
        return GymnasiumStepBenchmark.Run(Options(args[1..]));
    case "cnn":
        return CnnStepBenchmark.Run(Options(args[1..]));
    case "pixels":
        return PixelBenchmark.Run(Options(args[1..]));
    case "train" or "replay-memory":
        return TrainBenchmark.Run(mode, Options(args[1..]));
    default:
        Console.WriteLine("usage: dotnet run -c Release --project benchmarks/DqnBridge.Benchmarks -- <bridge [python] | gymnasium [--env ID] [--wrappers none|atari|carracing] [--steps N] | cnn [--torch-python PYTHON] [--torch-library-path DIR] [--blocks N] [--phases] | pixels [--torch-python PYTHON] [--torch-library-path DIR] [--carracing-steps N] [--tetris-steps N] | train [--env ID] [--steps N] [--update-path both|fused|reference] | replay-memory [--transitions N]>");
        return 2;
}

// --name value pairs; a --flag followed by another option or by nothing is "true".
static Dictionary<string, string> Options(string[] args)
{
    var options = new Dictionary<string, string>();
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i].TrimStart('-');
        bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
        options[name] = hasValue ? args[++i] : "true";
    }
    return options;
}
