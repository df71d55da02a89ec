using DqnBridge.Benchmarks;

string mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "bridge":
        BridgeBenchmark.Run(args.Skip(1).ToArray());
        return 0;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project benchmarks/DqnBridge.Benchmarks -- <bridge> [python executable]");
        return 2;
}
