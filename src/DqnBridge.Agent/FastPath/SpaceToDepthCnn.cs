using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// The Nature CNN's forward pass, optional in the fused CPU update (off in runs; the CNN benchmark times it), with its
/// first convolution (8x8, stride 4, over 84x84 frames) taken as the equal 2x2 convolution, stride 1, over the frames
/// cut into 4x4 blocks ("space to depth": each pixel of a 4x4 block becomes a channel, 21x21 blocks, stack x 16
/// channels). Every output is the same sum of the same products of the same scaled pixels and weights; only the order
/// of the sum differs, so Q-values and gradients equal the network's own within float rounding
/// (NatureCnnFusedPathTests.SpaceToDepthPassEqualsTheNetworkWithinRounding), not bit for bit. Why: with 4 input channels oneDNN runs the first convolution's weight gradient on a slow AVX2
/// kernel after reordering its 32x4x84x84 input; with 64 channels and a 2x2 kernel the forward and both gradients run
/// its AVX-512 kernels. The whole step was not measurably faster on a loaded machine (docs/results.md, "The Nature CNN
/// on the fused path"), so runs do not use it. The weights stay the network's own parameters in their usual shape
/// (checkpoints and the reference path see nothing different): the 2x2 kernel is a view of them taken each pass, and
/// autograd carries its gradient back into theirs. ReLU runs in place.
/// </summary>
internal sealed class SpaceToDepthCnn
{
    private const int Block = 4; // the first convolution's stride: its 8x8 kernel is 2x2 blocks of 4x4
    private const int Frame = 84;
    private const int Blocks = Frame / Block; // 21
    private const int KernelBlocks = 2;

    private readonly Conv2d _first;
    private readonly Conv2d[] _otherConvolutions;
    private readonly IReadOnlyList<Linear> _linear;
    private readonly int _stack;

    public SpaceToDepthCnn(QNetwork network)
    {
        if (network.Kind != NetworkKind.NatureCnn || network.Head.Dueling || network.Head.Noisy || network.Head.IsDistributional)
        {
            throw new ArgumentException($"The space-to-depth pass is for the plain Nature CNN; this network is {network.Kind} with head {network.Head}.", nameof(network));
        }
        var convolutions = network.ConvLayers();
        _first = convolutions[0];
        _otherConvolutions = convolutions.Skip(1).ToArray();
        _linear = network.LinearLayers();
        _stack = network.ObservationShape[0];
    }

    /// <summary>
    /// The frames (n, c, 84, 84) as (n, c x 16, 21, 21) scaled floats in one managed pass (libtorch's copy through a
    /// six-dimensional permutation runs an unvectorized loop that cost more than the convolution saved).
    /// </summary>
    private static void CutIntoBlocks(ReadOnlySpan<byte> frames, Span<float> blocks)
    {
        var scaled = PixelScale.Table; // as the network's forward divides
        int output = 0;
        int planes = frames.Length / (Frame * Frame);
        for (int plane = 0; plane < planes; plane++)
        {
            int planeStart = plane * Frame * Frame;
            for (int iy = 0; iy < Block; iy++)
            {
                for (int ix = 0; ix < Block; ix++)
                {
                    for (int by = 0; by < Blocks; by++)
                    {
                        var row = frames.Slice(planeStart + (by * Block + iy) * Frame + ix, Frame - ix);
                        for (int bx = 0; bx < Blocks; bx++)
                        {
                            blocks[output++] = scaled[row[bx * Block]];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Q(s, .) for uint8 <paramref name="observations"/> (batch, stack, 84, 84), through autograd when gradients are
    /// on; intermediate tensors belong to the caller's dispose scope.
    /// </summary>
    public Tensor Forward(Tensor observations)
    {
        long batch = observations.shape[0];
        // (n, c, by, iy, bx, ix) -> (n, c, iy, ix, by, bx), each pixel divided by 255 as the network's forward does.
        var blocks = empty([batch, _stack * Block * Block, Blocks, Blocks], ScalarType.Float32);
        if (observations.dtype == ScalarType.Byte && observations.is_contiguous())
        {
            CutIntoBlocks(observations.bytes, MemoryMarshal.Cast<byte, float>(blocks.bytes));
        }
        else
        {
            using (var target = blocks.view(batch, _stack, Block, Block, Blocks, Blocks))
            using (var source = observations.view(batch, _stack, Blocks, Block, Blocks, Block).permute(0, 1, 3, 5, 2, 4))
            {
                target.copy_(source);
            }
            blocks.div_(QNetwork.ByteScale);
        }
        // The weight (out, c, ky, kx) with ky = 4 jy + iy, kx = 4 jx + ix, as (out, c iy ix, jy, jx).
        long outChannels = _first.weight!.shape[0];
        var kernel = _first.weight!.view(outChannels, _stack, KernelBlocks, Block, KernelBlocks, Block)
            .permute(0, 1, 3, 5, 2, 4).reshape(outChannels, _stack * Block * Block, KernelBlocks, KernelBlocks);
        var x = nn.functional.conv2d(blocks, kernel, _first.bias).relu_();
        foreach (var convolution in _otherConvolutions)
        {
            x = convolution.forward(x).relu_();
        }
        x = x.flatten(1);
        for (int i = 0; i < _linear.Count - 1; i++)
        {
            x = _linear[i].forward(x).relu_();
        }
        return _linear[^1].forward(x);
    }
}
