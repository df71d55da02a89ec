using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Updates;

/// <summary>
/// torch.optim's Adam (TorchSharp 0.107's <see cref="Adam"/>: its state, options and state dict) with a step that passes
/// libtorch only Scalars it made and holds until the step ends, so the step needs no <see cref="Torch.ImplicitScalarGuard"/>
/// and its no-GC region. The same tensor operations in the same order with the same values as <see cref="Adam.step"/>
/// (without amsgrad, maximize and weight decay, which the reference path does not use), so results are equal bit for bit.
/// </summary>
internal sealed class HeldScalarAdam(IEnumerable<Parameter> parameters, double learningRate, double epsilon)
    : Adam(parameters, learningRate, eps: epsilon)
{
    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(group =>
        {
            var options = (Options)group.Options;
            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
            using var beta1Scalar = beta1.ToScalar();
            using var oneMinusBeta1 = (1 - beta1).ToScalar();
            using var beta2Scalar = beta2.ToScalar();
            using var oneMinusBeta2 = (1 - beta2).ToScalar();
            using var eps = options.eps!.Value.ToScalar();
            using var one = 1.ToScalar(); // add_(eps) is add_(eps, 1)
            double learningRate = options.LearningRate!.Value;
            foreach (var parameter in group.Parameters)
            {
                var grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }
                var state = (State)_state[parameter.Handle];
                state.step += 1;
                double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
                state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), value: oneMinusBeta2);
                using var correction2 = Math.Sqrt(biasCorrection2).ToScalar();
                var denominator = (state.exp_avg_sq.sqrt() / correction2).add_(eps, one);
                using var stepSize = (-(learningRate / biasCorrection1)).ToScalar();
                parameter.addcdiv_(state.exp_avg, denominator, value: stepSize);
            }
        }, closure);
}
