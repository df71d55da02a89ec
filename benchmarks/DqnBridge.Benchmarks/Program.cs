Console.WriteLine("usage: dotnet run -c Release --project benchmarks/DqnBridge.Benchmarks -- <bridge>");
return 2;
