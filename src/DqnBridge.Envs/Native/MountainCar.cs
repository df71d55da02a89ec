namespace DqnBridge.Envs.Native;

/// <summary>
/// Gymnasium's MountainCar-v0 (Moore's mountain car): push left, nothing, or right; -1 per step
/// until the car reaches the flag at 0.5; 200 steps at most.
/// </summary>
public sealed class MountainCar : ClassicControlEnv
{
    const double MinPosition = -1.2;
    const double MaxPosition = 0.6;
    const double MaxSpeed = 0.07;
    const double GoalPosition = 0.5;
    const double GoalVelocity = 0;
    const double Force = 0.001;
    const double Gravity = 0.0025;

    static readonly BoxSpace Observations = new([2], ElementType.Float32, [MinPosition, -MaxSpeed], [MaxPosition, MaxSpeed]);

    double _position, _velocity;

    /// <summary>MountainCar-v0, rendering in <paramref name="renderMode"/> (null for none).</summary>
    public MountainCar(string? renderMode = null)
        : base("MountainCar-v0", 200, Observations, actionCount: 3, renderMode)
    {
    }

    /// <inheritdoc/>
    protected override int StateLength => 2;

    /// <inheritdoc/>
    protected override void WriteState(Span<double> state) => (state[0], state[1]) = (_position, _velocity);

    /// <inheritdoc/>
    protected override void SetState(ReadOnlySpan<double> state) => (_position, _velocity) = (state[0], state[1]);

    /// <inheritdoc/>
    protected override void ResetState(Pcg64 rng)
    {
        _position = rng.Uniform(-0.6, -0.4);
        _velocity = 0;
    }

    /// <inheritdoc/>
    protected override (double Reward, bool Terminated) Advance(int action)
    {
        _velocity += (action - 1) * Force + Math.Cos(3 * _position) * -Gravity;
        _velocity = Math.Clamp(_velocity, -MaxSpeed, MaxSpeed);
        _position += _velocity;
        _position = Math.Clamp(_position, MinPosition, MaxPosition);
        if (_position == MinPosition && _velocity < 0)
        {
            _velocity = 0;
        }

        bool terminated = _position >= GoalPosition && _velocity >= GoalVelocity;
        return (-1.0, terminated);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(Span<float> observation)
    {
        observation[0] = (float)_position;
        observation[1] = (float)_velocity;
    }

    static double Height(double xs) => Math.Sin(3 * xs) * 0.45 + 0.55;

    /// <inheritdoc/>
    protected override RgbFrame Draw()
    {
        const int width = 600, height = 400;
        double scale = width / (MaxPosition - MinPosition);
        const double carWidth = 40, carHeight = 20, clearance = 10;
        var canvas = new Canvas(width, height);

        (double, double) ToScreen(double xs) => ((xs - MinPosition) * scale, Height(xs) * scale);
        for (int i = 0; i < 99; i++)
        {
            double from = MinPosition + (MaxPosition - MinPosition) * i / 99, to = MinPosition + (MaxPosition - MinPosition) * (i + 1) / 99;
            canvas.DrawLine(ToScreen(from), ToScreen(to), 2, (0, 0, 0));
        }

        double angle = Math.Cos(3 * _position);
        (double, double) CarPoint(double px, double py)
        {
            double c = Math.Cos(angle), s = Math.Sin(angle);
            return ((px * c - py * s) + (_position - MinPosition) * scale, (px * s + py * c) + clearance + Height(_position) * scale);
        }
        canvas.FillPolygon(
            [CarPoint(-carWidth / 2, 0), CarPoint(-carWidth / 2, carHeight), CarPoint(carWidth / 2, carHeight), CarPoint(carWidth / 2, 0)],
            (0, 0, 0));
        foreach (double wheelX in new[] { carWidth / 4, -carWidth / 4 })
        {
            var (wx, wy) = CarPoint(wheelX, 0);
            canvas.FillCircle(wx, wy, carHeight / 2.5, (128, 128, 128));
        }

        var (flagX, flagBottom) = ToScreen(GoalPosition);
        double flagTop = flagBottom + 50;
        canvas.DrawLine((flagX, flagBottom), (flagX, flagTop), 1, (0, 0, 0));
        canvas.FillPolygon([(flagX, flagTop), (flagX, flagTop - 10), (flagX + 25, flagTop - 5)], (204, 204, 0));
        return canvas.ToFrameFlipped();
    }
}
