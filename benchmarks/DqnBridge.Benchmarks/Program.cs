if (args.Length > 0 && args[0] is "train" or "replay-memory")
{
    return DqnBridge.Benchmarks.TrainBenchmark.Run(args[0], args[1..]);
}
Console.WriteLine("usage: dotnet run -c Release --project benchmarks/DqnBridge.Benchmarks -- <bridge | train | replay-memory>");
return 2;
