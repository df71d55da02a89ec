using System.Numerics;

namespace DqnBridge.Agent.FastPath;

/// <summary>
/// C51's target and loss gradient by hand, for the fused CPU update: the same computation as
/// <see cref="Updates.CategoricalTdLoss"/> (held within float rounding of it by UpdatePathTests), over the network's
/// logits laid out (batch, actions x atoms), action-major.
/// </summary>
internal static class CategoricalKernels
{
    /// <summary>Softmax of each action's block of atoms into <paramref name="pmfs"/> (same layout).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, int atoms, Span<float> pmfs)
    {
        for (int start = 0; start < logits.Length; start += atoms)
        {
            SoftmaxBlock(logits.Slice(start, atoms), pmfs.Slice(start, atoms));
        }
    }

    /// <summary>Softmax of the taken action's block only, for each transition (the loss reads no other block).</summary>
    public static void SoftmaxAtActions(ReadOnlySpan<float> logits, ReadOnlySpan<long> actions, int atoms, Span<float> pmfs)
    {
        int rowLength = logits.Length / actions.Length;
        for (int s = 0; s < actions.Length; s++)
        {
            int offset = s * rowLength + (int)actions[s] * atoms;
            SoftmaxBlock(logits.Slice(offset, atoms), pmfs.Slice(offset, atoms));
        }
    }

    /// <summary>
    /// exp(x - max) / sum, with SIMD exponentials (the tail padded with -infinity, whose exponential is 0) and sums in
    /// lanes then across them: a fixed order, so deterministic.
    /// </summary>
    private static void SoftmaxBlock(ReadOnlySpan<float> block, Span<float> output)
    {
        int width = Vector<float>.Count;
        int count = block.Length;
        float max = block[0];
        for (int i = 1; i < count; i++)
        {
            max = MathF.Max(max, block[i]);
        }
        var shift = new Vector<float>(max);
        var lanes = Vector<float>.Zero;
        Span<float> tail = stackalloc float[width];
        for (int i = 0; i < count; i += width)
        {
            int n = Math.Min(width, count - i);
            Vector<float> x;
            if (n == width)
            {
                x = new Vector<float>(block[i..]);
            }
            else
            {
                tail.Fill(float.NegativeInfinity);
                block.Slice(i, n).CopyTo(tail);
                x = new Vector<float>(tail);
            }
            var e = Vector.Exp(x - shift);
            lanes += e;
            if (n == width)
            {
                e.CopyTo(output[i..]);
            }
            else
            {
                e.CopyTo(tail);
                tail[..n].CopyTo(output[i..]);
            }
        }
        float inverse = 1 / Vector.Sum(lanes);
        for (int i = 0; i < count; i++)
        {
            output[i] *= inverse;
        }
    }

    /// <summary>argmax over actions of sum_i p_i z_i for one transition's pmfs (actions x atoms); ties to the lowest index.</summary>
    public static int GreedyAction(ReadOnlySpan<float> pmfs, ReadOnlySpan<float> support)
    {
        int atoms = support.Length;
        int best = 0;
        float bestValue = float.NegativeInfinity;
        for (int a = 0; a * atoms < pmfs.Length; a++)
        {
            float value = ExpectedValue(pmfs.Slice(a * atoms, atoms), support);
            if (value > bestValue)
            {
                (best, bestValue) = (a, value);
            }
        }
        return best;
    }

    /// <summary>sum_i p_i z_i.</summary>
    public static float ExpectedValue(ReadOnlySpan<float> pmf, ReadOnlySpan<float> support)
    {
        float sum = 0;
        for (int i = 0; i < pmf.Length; i++)
        {
            sum += pmf[i] * support[i];
        }
        return sum;
    }

    /// <summary>
    /// The categorical projection of one transition: atoms z_j with probabilities <paramref name="nextPmf"/> moved to
    /// r + discount z_j (discount already 0 after a termination), clamped to [z_0, z_last], split between the
    /// neighbouring atoms floor(b) and ceil(b) of b = (Tz - v_min) / delta_z, all to floor(b) when b is an integer.
    /// </summary>
    public static void Project(float reward, float discount, ReadOnlySpan<float> nextPmf, ReadOnlySpan<float> support, Span<float> target)
    {
        int atoms = support.Length;
        float vMin = support[0], vMax = support[atoms - 1];
        float deltaZ = support[1] - support[0];
        target.Clear();
        for (int j = 0; j < atoms; j++)
        {
            float tz = Math.Clamp(reward + discount * support[j], vMin, vMax);
            float b = (tz - vMin) / deltaZ;
            int lower = (int)Math.Clamp(MathF.Floor(b), 0, atoms - 1);
            int upper = (int)Math.Clamp(MathF.Ceiling(b), 0, atoms - 1);
            target[lower] += (upper + (lower == upper ? 1 : 0) - b) * nextPmf[j];
            target[upper] += (b - lower) * nextPmf[j];
        }
    }

    /// <summary>
    /// The mean over the batch of -sum_i m_i log(clamp(p_i, 1e-5, 1 - 1e-5)), p the softmax of the taken action's
    /// logits, and its gradient with respect to all logits into <paramref name="gradient"/> (zero for other actions):
    /// (p_k sum_{i unclamped} m_i - m_k [k unclamped]) / batch. Returns the loss; <paramref name="perSampleLoss"/> gets
    /// each transition's cross-entropy before the mean, <paramref name="oldValues"/> its expected value under p.
    /// </summary>
    public static float LossGradient(ReadOnlySpan<float> pmfs, ReadOnlySpan<long> actions, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> support, Span<float> gradient, Span<float> perSampleLoss, Span<float> oldValues)
    {
        const float Low = 1e-5f, High = 1 - 1e-5f;
        int atoms = support.Length;
        int batch = actions.Length;
        int rowLength = pmfs.Length / batch;
        gradient.Clear();
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            int offset = s * rowLength + (int)actions[s] * atoms;
            var p = pmfs.Slice(offset, atoms);
            var m = targets.Slice(s * atoms, atoms);
            var g = gradient.Slice(offset, atoms);
            float sampleLoss = 0, unclampedMass = 0;
            for (int i = 0; i < atoms; i++)
            {
                sampleLoss -= m[i] * MathF.Log(Math.Clamp(p[i], Low, High));
                if (p[i] is >= Low and <= High)
                {
                    unclampedMass += m[i];
                }
            }
            for (int k = 0; k < atoms; k++)
            {
                float own = p[k] is >= Low and <= High ? m[k] : 0;
                g[k] = (p[k] * unclampedMass - own) / batch;
            }
            perSampleLoss[s] = sampleLoss;
            oldValues[s] = ExpectedValue(p, support);
            loss += sampleLoss;
        }
        return (float)(loss / batch);
    }

    /// <summary>
    /// Importance weights on an unweighted step: each row's gradient scaled by its weight; returns the weighted mean
    /// loss, sum_s w_s loss_s / batch.
    /// </summary>
    public static float Weight(ReadOnlySpan<float> weights, ReadOnlySpan<float> perSampleLoss, Span<float> gradient, int rowLength)
    {
        double loss = 0;
        for (int s = 0; s < weights.Length; s++)
        {
            var row = gradient.Slice(s * rowLength, rowLength);
            for (int k = 0; k < row.Length; k++)
            {
                row[k] *= weights[s];
            }
            loss += weights[s] * perSampleLoss[s];
        }
        return (float)(loss / weights.Length);
    }
}
