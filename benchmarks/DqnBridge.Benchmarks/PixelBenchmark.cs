using DqnBridge.Envs;

namespace DqnBridge.Benchmarks;

/// <summary>
/// The pixel figures of docs/results.md in one run:
///   pixels [--torch-python PYTHON] [--torch-library-path DIR] [--blocks 9] [--carracing-steps 600] [--tetris-steps 6000]
/// the Nature-CNN train step (ours with 1 and 2 libtorch threads, PyTorch's when PYTHON imports torch), then CarRacing-v3 and
/// ALE/Tetris-v5 stepped with learning off through DqnBridge beside the same wrappers in a plain Python loop
/// (Gymnasium from DQNBRIDGE_PYTHON; without it those two are skipped with a note).
/// </summary>
public static class PixelBenchmark
{
    public static int Run(Dictionary<string, string> options)
    {
        int blocks = int.Parse(options.GetValueOrDefault("blocks", "9"));
        using (var torchReference = PyTorchReference.TryStart(options.GetValueOrDefault("torch-python"), options.GetValueOrDefault("torch-library-path")))
        {
            CnnStepBenchmark.TrainSteps(blockSteps: 10, blocks, torchReference);
        }
        Console.WriteLine();
        var environments = new (string Id, EnvWrappers Wrappers, int Steps)[]
        {
            ("CarRacing-v3", EnvWrappers.CarRacing, int.Parse(options.GetValueOrDefault("carracing-steps", "600"))),
            ("ALE/Tetris-v5", EnvWrappers.Atari, int.Parse(options.GetValueOrDefault("tetris-steps", "6000"))),
        };
        foreach (var (id, wrappers, steps) in environments)
        {
            try
            {
                GymnasiumStepBenchmark.Measure(id, wrappers, steps, seed: 1, blocks: 20);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.WriteLine($"(no {id} figure: {e.Message.Split('\n')[0]})");
            }
            Console.WriteLine();
        }
        return 0;
    }
}
