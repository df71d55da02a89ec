namespace DqnBridge.Agent.Replay;

/// <summary>
/// The arithmetic of n-step returns (the <c>n_step</c> key): a transition of k steps (k = n, or fewer when its episode
/// ended first) has the reward r_0 + gamma r_1 + ... + gamma^(k-1) r_(k-1) and bootstraps with gamma^k from the
/// observation k steps on, unless the episode terminated. Both replay buffers compute it here, so they agree to the bit;
/// with one step the reward is r_0 and the discount (float)gamma, exactly what the one-step DQN target used.
/// </summary>
public sealed class NStepReturns
{
    private readonly float[] _discounts;

    /// <summary>Returns of up to <paramref name="steps"/> steps with discount <paramref name="gamma"/>.</summary>
    public NStepReturns(int steps, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, MaxSteps);
        Steps = steps;
        Gamma = gamma;
        _discounts = new float[steps + 1];
        for (int k = 0; k <= steps; k++)
        {
            _discounts[k] = (float)Math.Pow(gamma, k);
        }
    }

    /// <summary>The most steps a return may have (the buffers store k in a byte; no published setting comes near).</summary>
    public const int MaxSteps = 100;

    /// <summary>n, the steps of a full return.</summary>
    public int Steps { get; }

    /// <summary>The discount gamma.</summary>
    public double Gamma { get; }

    /// <summary>One-step returns with discount 0.99 (CleanRL's gamma), for buffers made outside a trainer.</summary>
    public static NStepReturns OneStep { get; } = new(1, 0.99);

    /// <summary>gamma^k as a float: the bootstrap discount of a transition of <paramref name="k"/> steps.</summary>
    public float Discount(int k) => _discounts[k];

    /// <summary>The discounted sum of <paramref name="rewards"/> (one per step taken), summed in double and rounded once.</summary>
    public float Return(ReadOnlySpan<float> rewards)
    {
        // Starting from r_0 itself keeps a one-step return exactly r_0 (even -0).
        double sum = rewards[0];
        double weight = Gamma;
        for (int j = 1; j < rewards.Length; j++)
        {
            sum += weight * rewards[j];
            weight *= Gamma;
        }
        return (float)sum;
    }
}
