namespace DqnBridge.Envs.Native;

/// <summary>
/// Gymnasium's CartPole (Barto, Sutton and Anderson's cart-pole), reproduced operation for operation:
/// Euler integration in float64 with NumPy's cos and sin, float32 observations, reward 1 per step
/// including the terminating one.
/// CartPole-v0 ends at 200 steps and CartPole-v1 at 500.
/// </summary>
public sealed class CartPole : ClassicControlEnv
{
    const double Gravity = 9.8;
    const double MassCart = 1.0;
    const double MassPole = 0.1;
    const double TotalMass = MassPole + MassCart;
    const double Length = 0.5; // half the pole's length
    const double PoleMassLength = MassPole * Length;
    const double ForceMagnitude = 10.0;
    const double Tau = 0.02;
    const double ThetaThreshold = 12 * 2 * Math.PI / 360;
    const double XThreshold = 2.4;

    static readonly BoxSpace Observations = new(
        [4],
        ElementType.Float32,
        [-XThreshold * 2, float.MinValue, -ThetaThreshold * 2, float.MinValue],
        [XThreshold * 2, float.MaxValue, ThetaThreshold * 2, float.MaxValue]);

    double _x, _xDot, _theta, _thetaDot;
    bool _terminatedBefore;

    /// <summary>CartPole-v0 or -v1 (<paramref name="id"/>), rendering in <paramref name="renderMode"/> (null for none).</summary>
    public CartPole(string id = "CartPole-v1", string? renderMode = null)
        : base(id, id == "CartPole-v0" ? 200 : 500, Observations, actionCount: 2, renderMode)
    {
    }

    /// <inheritdoc/>
    protected override int StateLength => 4;

    /// <inheritdoc/>
    protected override void WriteState(Span<double> state) => (state[0], state[1], state[2], state[3]) = (_x, _xDot, _theta, _thetaDot);

    /// <inheritdoc/>
    protected override void SetState(ReadOnlySpan<double> state) => (_x, _xDot, _theta, _thetaDot) = (state[0], state[1], state[2], state[3]);

    /// <inheritdoc/>
    protected override void ResetState(Pcg64 rng)
    {
        _x = rng.Uniform(-0.05, 0.05);
        _xDot = rng.Uniform(-0.05, 0.05);
        _theta = rng.Uniform(-0.05, 0.05);
        _thetaDot = rng.Uniform(-0.05, 0.05);
        _terminatedBefore = false;
    }

    /// <inheritdoc/>
    protected override (double Reward, bool Terminated) Advance(int action)
    {
        double force = action == 1 ? ForceMagnitude : -ForceMagnitude;
        double cosTheta = NumpyMath.Cos(_theta);
        double sinTheta = NumpyMath.Sin(_theta);
        double temp = (force + PoleMassLength * (_thetaDot * _thetaDot) * sinTheta) / TotalMass;
        double thetaAcc = (Gravity * sinTheta - cosTheta * temp)
            / (Length * (4.0 / 3.0 - MassPole * (cosTheta * cosTheta) / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * cosTheta / TotalMass;

        _x += Tau * _xDot;
        _xDot += Tau * xAcc;
        _theta += Tau * _thetaDot;
        _thetaDot += Tau * thetaAcc;

        bool terminated = _x < -XThreshold || _x > XThreshold || _theta < -ThetaThreshold || _theta > ThetaThreshold;
        // Gymnasium rewards the step that terminates, and none after it (stepping on is a user error there).
        double reward = !terminated || !_terminatedBefore ? 1.0 : 0.0;
        _terminatedBefore |= terminated;
        return (reward, terminated);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(Span<float> observation)
    {
        observation[0] = (float)_x;
        observation[1] = (float)_xDot;
        observation[2] = (float)_theta;
        observation[3] = (float)_thetaDot;
    }

    /// <inheritdoc/>
    protected override int ExtraLength => 1;

    /// <inheritdoc/>
    protected override void WriteExtra(Span<long> extra) => extra[0] = _terminatedBefore ? 1 : 0;

    /// <inheritdoc/>
    protected override void RestoreExtra(long[] extra) => _terminatedBefore = extra.Length > 0 && extra[0] != 0;

    /// <inheritdoc/>
    protected override RgbFrame Draw()
    {
        const int width = 600, height = 400;
        double scale = width / (XThreshold * 2);
        double poleLength = scale * (2 * Length);
        const double poleWidth = 10, cartWidth = 50, cartHeight = 30, cartY = 100;

        var canvas = new Canvas(width, height);
        double cartX = _x * scale + width / 2.0;
        canvas.FillPolygon(Canvas.Rectangle(cartX - cartWidth / 2, cartY - cartHeight / 2, cartX + cartWidth / 2, cartY + cartHeight / 2), (0, 0, 0));
        double axleY = cartY + cartHeight / 4;
        var pole = new List<(double, double)>();
        foreach (var (px, py) in new[] { (-poleWidth / 2, -poleWidth / 2), (-poleWidth / 2, poleLength - poleWidth / 2), (poleWidth / 2, poleLength - poleWidth / 2), (poleWidth / 2, -poleWidth / 2) })
        {
            // Rotate by -theta: a positive angle leans the pole to the right.
            double c = Math.Cos(-_theta), s = Math.Sin(-_theta);
            pole.Add((cartX + px * c - py * s, axleY + px * s + py * c));
        }
        canvas.FillPolygon(pole, (202, 152, 101));
        canvas.FillCircle(cartX, axleY, poleWidth / 2, (129, 132, 203));
        canvas.DrawHorizontalLine(cartY, (0, 0, 0));
        return canvas.ToFrameFlipped();
    }
}
