using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>
/// An MLP <see cref="QNetwork"/>'s forward and backward pass written out, for <see cref="FusedCpuUpdate"/>:
/// the same libtorch matrix products autograd runs for linear + ReLU layers, in the same layouts, so the
/// gradients are the same bit for bit, but without building a graph, and with the bias sums and ReLU masks
/// done in managed code over the tensors' memory.
/// The gradients are written into the network's flat gradient (<see cref="QNetwork.Flatten"/>).
/// </summary>
internal sealed class MlpBackprop : IDisposable
{
    private readonly Linear[] _layers;
    private readonly Tensor[] _weights;
    private readonly Tensor[] _biases;
    private readonly Tensor[] _weightGradients;
    private readonly Tensor[] _biasGradients;
    private readonly float[] _cascade; // the accumulators of Cascade
    private readonly float[] _partials; // ColumnSums' four interleaved cascades

    public MlpBackprop(QNetwork network, int batchSize)
    {
        if (network.Kind != NetworkKind.Mlp)
        {
            throw new ArgumentException("The written-out backward pass is for MLPs.", nameof(network));
        }
        network.Flatten(); // the gradients below must be views of the flat gradient the optimizer reads
        _layers = network.LinearLayers().ToArray();
        _weights = _layers.Select(layer => (Tensor)layer.weight!).ToArray();
        _biases = _layers.Select(layer => (Tensor)layer.bias!).ToArray();
        _weightGradients = _layers.Select(layer => layer.weight!.grad!).ToArray();
        _biasGradients = _layers.Select(layer => layer.bias!.grad!).ToArray();
        int widest = _layers.Max(layer => (int)layer.weight!.shape[0]);
        _cascade = new float[CascadeLevels * widest];
        _partials = new float[4 * widest];
        _vectorWidth = FindVectorWidth(batchSize, _layers.Select(layer => (int)layer.weight!.shape[0]), (width, probe) =>
        {
            var sums = new float[probe.shape[1]];
            ColumnSums(Floats(probe), sums, width);
            return sums;
        });
    }

    /// <summary>
    /// Q(s, .) for <paramref name="observations"/>, keeping each layer's input (the observations as float32, then
    /// each hidden layer's output after ReLU) in <paramref name="layerInputs"/> for <see cref="Backward"/>. The
    /// tensors belong to the caller's dispose scope.
    /// </summary>
    public Tensor Forward(Tensor observations, List<Tensor> layerInputs)
    {
        using var noGrad = no_grad();
        layerInputs.Clear();
        var x = observations.dtype == ScalarType.Float32 ? observations : observations.to_type(ScalarType.Float32);
        for (int i = 0; ; i++)
        {
            layerInputs.Add(x);
            var output = nn.functional.linear(x, _weights[i], _biases[i]);
            if (i == _layers.Length - 1)
            {
                return output;
            }
            x = output.relu_();
        }
    }

    /// <summary>
    /// Writes dLoss/dW and dLoss/db of every layer into the gradient, from dLoss/dQ(s, .) (<paramref name="outputGradient"/>,
    /// batch x actions) and the layer inputs the forward pass kept.
    /// As autograd does for y = x W^T + b: dW = g^T x, db = the column sums of g, and the gradient passed down is
    /// g W, zeroed where the ReLU output was zero.
    /// </summary>
    public void Backward(IReadOnlyList<Tensor> layerInputs, Tensor outputGradient)
    {
        using var noGrad = no_grad();
        var gradient = outputGradient;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            var input = layerInputs[i];
            using (var gradientTransposed = gradient.t())
            {
                _weightGradients[i].addmm_(gradientTransposed, input, beta: 0, alpha: 1);
            }
            if (_vectorWidth is int vectorWidth)
            {
                ColumnSums(Floats(gradient), Floats(_biasGradients[i]), vectorWidth);
            }
            else
            {
                using var sums = gradient.sum(new long[] { 0 });
                _biasGradients[i].copy_(sums);
            }
            if (i > 0)
            {
                gradient = gradient.mm(_weights[i]);
                ZeroWhereInactive(Floats(gradient), Floats(input));
            }
        }
    }

    /// <summary>
    /// The sum of each column over the rows (a bias gradient), in the order libtorch's CPU sum over dim 0 adds
    /// them, so the result equals autograd's bit for bit. libtorch sums a column as a cascade (blocks of 16 rows
    /// into a first accumulator whose totals cascade into three more levels, which loses less precision than
    /// adding row after row); the columns its vector loop handles four vectors at a time get one cascade over all
    /// rows, the others four interleaved cascades (rows 4m, 4m+1, 4m+2, 4m+3) that are added at the end.
    /// </summary>
    private void ColumnSums(ReadOnlySpan<float> matrix, Span<float> sums, int vectorWidth)
    {
        int columns = sums.Length;
        int rows = matrix.Length / columns;
        // Which columns get a single cascade: whole groups of four vectors, or of four columns when the row is
        // shorter than one vector.
        int group = columns >= vectorWidth ? 4 * vectorWidth : 4;
        int singleCascadeColumns = columns / group * group;
        Cascade(matrix, columns, 0, singleCascadeColumns, firstRow: 0, rowStep: 1, count: rows, sums[..singleCascadeColumns]);

        int width = columns - singleCascadeColumns;
        if (width == 0)
        {
            return;
        }
        var partials = _partials.AsSpan(0, 4 * width);
        for (int lane = 0; lane < 4; lane++)
        {
            Cascade(matrix, columns, singleCascadeColumns, width, firstRow: lane, rowStep: 4, count: rows / 4, partials.Slice(lane * width, width));
        }
        var total = partials[..width];
        for (int row = rows / 4 * 4; row < rows; row++)
        {
            AddTo(total, matrix.Slice(row * columns + singleCascadeColumns, width));
        }
        for (int lane = 1; lane < 4; lane++)
        {
            AddTo(total, partials.Slice(lane * width, width));
        }
        var rest = sums[singleCascadeColumns..];
        rest.Clear(); // libtorch adds each sum into a zeroed output (so -0 becomes +0)
        AddTo(rest, total);
    }

    /// <summary>
    /// libtorch's cascade sum of <paramref name="count"/> rows (<paramref name="firstRow"/>, then every
    /// <paramref name="rowStep"/>th) over columns [<paramref name="firstColumn"/>, + <paramref name="width"/>), into
    /// <paramref name="sums"/> (added to zero, as libtorch stores it).
    /// </summary>
    private void Cascade(ReadOnlySpan<float> matrix, int columns, int firstColumn, int width, int firstRow, int rowStep, int count, Span<float> sums)
    {
        if (width == 0)
        {
            return;
        }
        int levelPower = Math.Max(4, CeilLog2(count) / CascadeLevels);
        int levelStep = 1 << levelPower;
        int levelMask = levelStep - 1;
        var levels = _cascade.AsSpan(0, CascadeLevels * width);
        levels.Clear();
        var first = levels[..width];
        ReadOnlySpan<float> Row(ReadOnlySpan<float> data, int index) => data.Slice((firstRow + index * rowStep) * columns + firstColumn, width);
        int i = 0;
        while (i + levelStep <= count)
        {
            for (int end = i + levelStep; i < end; i++)
            {
                AddTo(first, Row(matrix, i));
            }
            for (int level = 1; level < CascadeLevels; level++)
            {
                var lower = levels.Slice((level - 1) * width, width);
                AddTo(levels.Slice(level * width, width), lower);
                lower.Clear();
                if ((i & (levelMask << (level * levelPower))) != 0)
                {
                    break;
                }
            }
        }
        for (; i < count; i++)
        {
            AddTo(first, Row(matrix, i));
        }
        for (int level = 1; level < CascadeLevels; level++)
        {
            AddTo(first, levels.Slice(level * width, width));
        }
        sums.Clear();
        AddTo(sums, first);
    }

    private const int CascadeLevels = 4;

    /// <summary>
    /// The floats per vector of the libtorch kernels this process runs (8 with AVX2, 16 with AVX-512, 4 with NEON),
    /// found by comparing <see cref="ColumnSums"/> with libtorch's own sum on a probe of each layer's shape; null
    /// when no width reproduces it (another libtorch), and then the bias gradients come from libtorch's sum.
    /// </summary>
    private readonly int? _vectorWidth;

    /// <summary>Whether the bias gradients are summed in managed code (libtorch's order was reproduced here).</summary>
    internal bool SumsBiasGradientsInManagedCode => _vectorWidth is not null;

    private static int? FindVectorWidth(int rows, IEnumerable<int> widths, Func<int, Tensor, float[]> columnSums)
    {
        var random = new Random(12345);
        var probes = widths.Distinct().Select(width =>
            tensor(Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), new long[] { rows, width })).ToArray();
        try
        {
            foreach (int candidate in new[] { 8, 16, 4 })
            {
                if (probes.All(probe =>
                {
                    using var expected = probe.sum(new long[] { 0 });
                    return expected.data<float>().ToArray().SequenceEqual(columnSums(candidate, probe));
                }))
                {
                    return candidate;
                }
            }
            return null;
        }
        finally
        {
            foreach (var probe in probes)
            {
                probe.Dispose();
            }
        }
    }

    private static int CeilLog2(int x) => x <= 2 ? 1 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(x - 1));

    private static void AddTo(Span<float> sums, ReadOnlySpan<float> values)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var sumVectors = MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(sums);
            var valueVectors = MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(values);
            for (int v = 0; v < sumVectors.Length; v++)
            {
                sumVectors[v] += valueVectors[v];
            }
            i = sumVectors.Length * System.Numerics.Vector<float>.Count;
        }
        for (; i < sums.Length; i++)
        {
            sums[i] += values[i];
        }
    }

    /// <summary>ReLU's backward pass: the gradient is kept where the layer's output was positive.</summary>
    private static void ZeroWhereInactive(Span<float> gradient, ReadOnlySpan<float> activation)
    {
        for (int i = 0; i < gradient.Length; i++)
        {
            if (activation[i] <= 0f)
            {
                gradient[i] = 0f;
            }
        }
    }

    private static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    public void Dispose()
    {
        foreach (var gradient in _weightGradients.Concat(_biasGradients))
        {
            gradient.Dispose();
        }
    }
}
