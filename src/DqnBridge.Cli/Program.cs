using TorchSharp;
using static TorchSharp.torch;

Console.WriteLine($"torch ok: {torch.ones(2, 3).sum().item<float>()}");
