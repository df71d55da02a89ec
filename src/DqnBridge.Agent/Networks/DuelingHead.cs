using DqnBridge.Agent.Torch;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Networks;

/// <summary>
/// The dueling head (Wang et al. 2016) over the shared layers' features: a value stream V (one output, or one per atom)
/// and an advantage stream A (one per action and atom), combined as Q = V + A - mean over actions of A. Each stream is
/// one layer (linear, or noisy with noisy nets), as in Dopamine's Rainbow; with c51 the combination is of logits, per atom.
/// </summary>
public sealed class DuelingHead : nn.Module<Tensor, Tensor>
{
    // Field names are part of the saved parameters' names ("_dueling._value.weight").
    private readonly nn.Module<Tensor, Tensor> _value;
    private readonly nn.Module<Tensor, Tensor> _advantage;
    private readonly int _actions;
    private readonly int _atoms;

    /// <summary>A head whose streams are <paramref name="value"/> (features to atoms) and <paramref name="advantage"/> (features to actions x atoms).</summary>
    public DuelingHead(nn.Module<Tensor, Tensor> value, nn.Module<Tensor, Tensor> advantage, int actions, int atoms) : base(nameof(DuelingHead))
    {
        _value = value;
        _advantage = advantage;
        _actions = actions;
        _atoms = atoms;
        RegisterComponents();
    }

    /// <summary>The value stream's layer, then the advantage stream's.</summary>
    public IEnumerable<nn.Module<Tensor, Tensor>> Streams => [_value, _advantage];

    /// <summary>Outputs (batch, actions x atoms), action-major as a single-stream layer's.</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        long batch = features.shape[0];
        var values = _value.forward(features).view(batch, 1, _atoms);
        var advantages = _advantage.forward(features).view(batch, _actions, _atoms);
        return Aggregate(values, advantages).view(batch, _actions * _atoms).MoveToOuterDisposeScope();
    }

    /// <summary>V (batch, 1, atoms) + A (batch, actions, atoms) - the mean of A over actions.</summary>
    public static Tensor Aggregate(Tensor values, Tensor advantages)
    {
        using var mean = advantages.mean([1], keepdim: true);
        using var centred = advantages - mean;
        return values.Plus(centred);
    }
}
