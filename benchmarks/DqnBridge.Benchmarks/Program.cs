using DqnBridge.Benchmarks;

string mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "bridge":
        BridgeBenchmark.Run(args.Skip(1).ToArray());
        return 0;
    case "gymnasium":
        return GymnasiumStepBenchmark.Run(args[1..]);
    case "train" or "replay-memory":
        return TrainBenchmark.Run(mode, args[1..]);
    default:
        Console.WriteLine("usage: dotnet run -c Release --project benchmarks/DqnBridge.Benchmarks -- <bridge [python] | gymnasium [--env ID] [--wrappers none|atari|carracing] [--steps N] | train [--env ID] [--steps N] [--update-path both|fused|reference] | replay-memory [--transitions N]>");
        return 2;
}
