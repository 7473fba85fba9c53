using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// The contractive autoencoder's penalty (Rifai et al., 2011): λ · ‖J_f(x)‖²_F, the squared Frobenius norm of
/// the encoder's Jacobian with respect to its input, averaged over the batch. Small Jacobians make the code
/// insensitive to small input changes except along the directions the reconstruction needs.
/// </summary>
/// <remarks>
/// Which method computes it (see <see cref="MethodFor"/>):
/// <list type="bullet">
/// <item><see cref="ContractiveMethod.SigmoidClosedForm"/>: one dense layer followed by a sigmoid code. Exact:
/// ‖J‖² = Σ_j (h_j(1−h_j))² Σ_i W_ij², with its exact gradient (<see cref="SigmoidEncoderJacobian"/>).</item>
/// <item><see cref="ContractiveMethod.ExactTangents"/>: any other encoder whose input has at most
/// <see cref="Probes"/> values. Forward-mode differentiation pushes every standard basis vector e_i through the
/// encoder, giving the columns J·e_i exactly; ‖J‖² = Σ_i ‖J e_i‖² (<see cref="EncoderJacobianProbes"/>).</item>
/// <item><see cref="ContractiveMethod.HutchinsonEstimate"/>: any other encoder. The same forward-mode pass with
/// <see cref="Probes"/> random Rademacher vectors v (entries ±1, so E[v vᵀ] = I) gives ‖J v‖², whose expectation
/// is tr(Jᵀ J) = ‖J‖²_F: an unbiased estimate of the penalty, and its gradient an unbiased estimate of the
/// penalty's gradient (Hutchinson's trace estimator). Cost per probe: about one extra encoder forward and backward.</item>
/// </list>
/// The gradient of ‖J v‖² flows both through the weights the tangent multiplies by and through each activation's
/// derivative, which depends on the forward activations (second derivatives: sigmoid'' and tanh'' in terms of the
/// output; ReLU'' is zero almost everywhere).
/// </remarks>
public sealed class ContractiveRegularizer : CodeRegularizer
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="weight">λ, the weight of ‖J‖²_F (e.g. 1e-4 … 1e-1 for MNIST-sized inputs).</param>
    /// <param name="probes">
    /// Random probe vectors per batch for deep encoders (more probes, less variance); also the largest input width
    /// for which the exact basis is used instead.
    /// </param>
    public ContractiveRegularizer(float weight, int probes = 1)
    {
        if (!(weight >= 0 && float.IsFinite(weight))) throw new ArgumentException($"The contractive weight (lambda) must be finite and non-negative (was {weight}).");
        if (probes <= 0) throw new ArgumentException($"The contractive penalty needs at least one probe (was {probes}).");
        Weight = weight;
        Probes = probes;
    }

    /// <summary>λ, the penalty's weight.</summary>
    public float Weight { get; }

    /// <summary>Random probes per batch for deep encoders; inputs up to this width use the exact basis.</summary>
    public int Probes { get; }

    /// <summary>How the penalty is computed for <paramref name="network"/>.</summary>
    public ContractiveMethod MethodFor(AutoencoderNetwork network) =>
        SigmoidEncoderJacobian.Applies(network, network.Slot(Node)) ? ContractiveMethod.SigmoidClosedForm
        : network.InputSize <= Probes ? ContractiveMethod.ExactTangents
        : ContractiveMethod.HutchinsonEstimate;

    /// <inheritdoc/>
    public override double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context) =>
        Compute(network, cache, batch, context, accumulateGradients: true);

    /// <inheritdoc/>
    public override double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context) =>
        Compute(network, cache, batch, context, accumulateGradients: false);

    /// <summary>
    /// Also refuses, before training starts rather than at the first step, a layer below the node the penalty cannot push
    /// its tangent through (<see cref="LayerSpec.LacksTangents"/>: layer_norm, max_pool1d, upsample1d), and a GELU or SiLU
    /// (<see cref="SelfGatedActivationLayer"/>): the penalty's gradient reaches each activation through its slope as a
    /// function of its output, and those two are not monotonic, so their slope is not one.
    /// </summary>
    public override void Validate(NetworkSpec spec)
    {
        base.Validate(spec);
        foreach (var layer in spec.Layers.Take(spec.Slot(Node)))
        {
            if (layer.LacksTangents)
            {
                throw new ArgumentException(
                    $"The contractive penalty cannot differentiate layer {layer.Describe()}: it has no forward mode for the penalty's Jacobian. " +
                    $"Leave it out of the encoder below node '{Node}', or leave the penalty off.");
            }
            if (layer.AppliedActivation is { } activation && SelfGatedActivationLayer.IsSelfGated(activation))
            {
                throw new ArgumentException(
                    $"The contractive penalty cannot differentiate layer {layer.Describe()}: {activation} is not monotonic, so its slope is not a function " +
                    $"of its output, which is how the penalty's gradient reaches an activation. Use another activation below node '{Node}' " +
                    "(Elu and Softplus are smooth ones it can differentiate), or leave the penalty off.");
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"contractive penalty (lambda {Weight})";

    private readonly EncoderJacobianProbes.Workspace _workspace = new();

    private double Compute(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context, bool accumulateGradients)
    {
        if (Weight == 0) return 0;
        return MethodFor(network) switch
        {
            ContractiveMethod.SigmoidClosedForm => SigmoidEncoderJacobian.Penalty(network, network.Slot(Node), cache, batch, Weight, accumulateGradients),
            ContractiveMethod.ExactTangents => EncoderJacobianProbes.Penalty(network, network.Slot(Node), cache, batch, context, Weight, probes: 0, accumulateGradients, _workspace),
            _ => EncoderJacobianProbes.Penalty(network, network.Slot(Node), cache, batch, context, Weight, Probes, accumulateGradients, _workspace),
        };
    }
}

/// <summary>How <see cref="ContractiveRegularizer"/> computes ‖J‖²_F for a given encoder.</summary>
public enum ContractiveMethod
{
    /// <summary>One dense layer with a sigmoid code: the exact closed form.</summary>
    SigmoidClosedForm,
    /// <summary>Forward-mode tangents along every input direction: exact, costs one tangent pass per input value.</summary>
    ExactTangents,
    /// <summary>Forward-mode tangents along random ±1 probes: an unbiased estimate.</summary>
    HutchinsonEstimate,
}
