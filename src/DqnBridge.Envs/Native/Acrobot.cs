namespace DqnBridge.Envs.Native;

/// <summary>
/// Gymnasium's Acrobot-v1 (Sutton's two-link pendulum, the book's dynamics): torque -1, 0 or +1 on the
/// second joint, -1 per step until the tip swings above the bar; RK4 over 0.2 s; 500 steps at most.
/// </summary>
public sealed class Acrobot : ClassicControlEnv
{
    const double Dt = 0.2;
    const double LinkLength1 = 1.0;
    const double LinkMass1 = 1.0;
    const double LinkMass2 = 1.0;
    const double LinkComPosition1 = 0.5;
    const double LinkComPosition2 = 0.5;
    const double LinkMomentOfInertia = 1.0;
    const double MaxVelocity1 = 4 * Math.PI;
    const double MaxVelocity2 = 9 * Math.PI;
    const double Gravity = 9.8;

    static readonly double[] AvailableTorque = [-1.0, 0.0, 1.0];

    static readonly BoxSpace Observations = new(
        [6],
        ElementType.Float32,
        [-1, -1, -1, -1, (float)-MaxVelocity1, (float)-MaxVelocity2],
        [1, 1, 1, 1, (float)MaxVelocity1, (float)MaxVelocity2]);

    // theta1, theta2, dtheta1, dtheta2. Gymnasium keeps the reset state in float32 until the first step.
    readonly double[] _state = new double[4];
    bool _stateIsFloat32;

    /// <summary>Acrobot-v1, rendering in <paramref name="renderMode"/> (null for none).</summary>
    public Acrobot(string? renderMode = null)
        : base("Acrobot-v1", 500, Observations, actionCount: 3, renderMode)
    {
    }

    /// <inheritdoc/>
    protected override int StateLength => 4;

    /// <inheritdoc/>
    protected override void WriteState(Span<double> state) => _state.CopyTo(state);

    /// <inheritdoc/>
    protected override void SetState(ReadOnlySpan<double> values) => values[..4].CopyTo(_state);

    /// <inheritdoc/>
    protected override int ExtraLength => 1;

    /// <inheritdoc/>
    protected override void WriteExtra(Span<long> extra) => extra[0] = _stateIsFloat32 ? 1 : 0;

    /// <inheritdoc/>
    protected override void RestoreExtra(long[] extra) => _stateIsFloat32 = extra.Length > 0 && extra[0] != 0;

    /// <inheritdoc/>
    protected override void ResetState(Pcg64 rng)
    {
        for (int i = 0; i < 4; i++)
        {
            _state[i] = (float)rng.Uniform(-0.1, 0.1);
        }

        _stateIsFloat32 = true;
    }

    /// <inheritdoc/>
    protected override (double Reward, bool Terminated) Advance(int action)
    {
        Span<double> s = stackalloc double[5];
        _state.CopyTo(s);
        s[4] = AvailableTorque[action];
        RungeKutta4(s);

        _state[0] = Wrap(s[0], -Math.PI, Math.PI);
        _state[1] = Wrap(s[1], -Math.PI, Math.PI);
        _state[2] = Math.Min(Math.Max(s[2], -MaxVelocity1), MaxVelocity1);
        _state[3] = Math.Min(Math.Max(s[3], -MaxVelocity2), MaxVelocity2);
        _stateIsFloat32 = false;

        bool terminated = -NumpyMath.Cos(_state[0]) - NumpyMath.Cos(_state[1] + _state[0]) > 1.0;
        return (terminated ? 0.0 : -1.0, terminated);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(Span<float> observation)
    {
        if (_stateIsFloat32)
        {
            // NumPy evaluates cos and sin of a float32 state in float32, with its own float32 kernel.
            observation[0] = NumpyMath.Cos((float)_state[0]);
            observation[1] = NumpyMath.Sin((float)_state[0]);
            observation[2] = NumpyMath.Cos((float)_state[1]);
            observation[3] = NumpyMath.Sin((float)_state[1]);
        }
        else
        {
            observation[0] = (float)NumpyMath.Cos(_state[0]);
            observation[1] = (float)NumpyMath.Sin(_state[0]);
            observation[2] = (float)NumpyMath.Cos(_state[1]);
            observation[3] = (float)NumpyMath.Sin(_state[1]);
        }
        observation[4] = (float)_state[2];
        observation[5] = (float)_state[3];
    }

    /// <summary>One classic fourth-order Runge-Kutta step of length Dt, in place; s[4] is the torque.</summary>
    static void RungeKutta4(Span<double> s)
    {
        const double half = Dt / 2.0;
        Span<double> k1 = stackalloc double[5], k2 = stackalloc double[5], k3 = stackalloc double[5], k4 = stackalloc double[5];
        Span<double> probe = stackalloc double[5];

        Derivatives(s, k1);
        for (int i = 0; i < 5; i++)
        {
            probe[i] = s[i] + half * k1[i];
        }

        Derivatives(probe, k2);
        for (int i = 0; i < 5; i++)
        {
            probe[i] = s[i] + half * k2[i];
        }

        Derivatives(probe, k3);
        for (int i = 0; i < 5; i++)
        {
            probe[i] = s[i] + Dt * k3[i];
        }

        Derivatives(probe, k4);
        for (int i = 0; i < 5; i++)
        {
            s[i] = s[i] + Dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
    }

    /// <summary>
    /// Gymnasium's _dsdt, operation for operation: Python evaluates left to right, every product and sum rounds
    /// to float64 (no fused multiply-add), and <c>v**2</c> of a NumPy float64 calls the C library's pow.
    /// </summary>
    static void Derivatives(ReadOnlySpan<double> s, Span<double> derivative)
    {
        const double m1 = LinkMass1, m2 = LinkMass2, l1 = LinkLength1, lc1 = LinkComPosition1, lc2 = LinkComPosition2;
        const double i1 = LinkMomentOfInertia, i2 = LinkMomentOfInertia, g = Gravity;
        double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3], torque = s[4];

        double d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * NumpyMath.Cos(theta2)) + i1 + i2;
        double d2 = m2 * (lc2 * lc2 + l1 * lc2 * NumpyMath.Cos(theta2)) + i2;
        double phi2 = m2 * lc2 * g * NumpyMath.Cos(theta1 + theta2 - Math.PI / 2.0);
        double phi1 = -m2 * l1 * lc2 * NumpyMath.Square(dtheta2) * NumpyMath.Sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * NumpyMath.Sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * NumpyMath.Cos(theta1 - Math.PI / 2)
            + phi2;
        double ddtheta2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * NumpyMath.Square(dtheta1) * NumpyMath.Sin(theta2) - phi2)
            / (m2 * (lc2 * lc2) + i2 - NumpyMath.Square(d2) / d1);
        double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;

        derivative[0] = dtheta1;
        derivative[1] = dtheta2;
        derivative[2] = ddtheta1;
        derivative[3] = ddtheta2;
        derivative[4] = 0.0;
    }

    static double Wrap(double value, double low, double high)
    {
        double span = high - low;
        while (value > high)
        {
            value -= span;
        }

        while (value < low)
        {
            value += span;
        }

        return value;
    }

    /// <inheritdoc/>
    protected override RgbFrame Draw()
    {
        const int size = 500;
        const double bound = LinkLength1 * 2 + 0.2;
        const double scale = size / (bound * 2);
        const double offset = size / 2.0;
        var canvas = new Canvas(size, size);

        canvas.DrawLine((-2.2 * scale + offset, 1 * scale + offset), (2.2 * scale + offset, 1 * scale + offset), 1, (0, 0, 0));
        double p1x = -LinkLength1 * Math.Cos(_state[0]) * scale, p1y = LinkLength1 * Math.Sin(_state[0]) * scale;
        // Screen y grows upward before the final flip; link 1 hangs from the origin.
        var joints = new[] { (0.0, 0.0), (p1y, p1x) };
        double[] angles = [_state[0] - Math.PI / 2, _state[0] + _state[1] - Math.PI / 2];
        for (int link = 0; link < 2; link++)
        {
            var (jx, jy) = joints[link];
            double c = Math.Cos(angles[link]), s = Math.Sin(angles[link]);
            const double left = 0, right = scale, top = 0.1 * scale, bottom = -0.1 * scale;
            var corners = new[] { (left, bottom), (left, top), (right, top), (right, bottom) }
                .Select(p => (p.Item1 * c - p.Item2 * s + jx + offset, p.Item1 * s + p.Item2 * c + jy + offset))
                .ToList();
            canvas.FillPolygon(corners, (0, 204, 204));
            canvas.FillCircle(jx + offset, jy + offset, 0.1 * scale, (204, 204, 0));
        }
        return canvas.ToFrameFlipped();
    }
}
