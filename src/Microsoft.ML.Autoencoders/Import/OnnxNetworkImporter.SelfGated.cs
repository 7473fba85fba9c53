using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// nn.SiLU and nn.GELU as PyTorch exports them, a fork of the chain's tensor that rejoins
/// (<see cref="OnnxSelfGatedActivations"/>): one engine activation (<see cref="SiluLayer"/>, <see cref="GeluLayer"/>) in
/// place of the pattern's nodes.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>The forks that are an activation, by the tensor they read.</summary>
    private readonly Dictionary<string, OnnxSelfGatedActivations.Match> _gatedActivations;

    /// <summary>Adds the activation <paramref name="match"/> computes, once its constants are the ones the activation has.</summary>
    private string AddSelfGatedActivation(OnnxSelfGatedActivations.Match match)
    {
        foreach (var (tensor, value) in match.Constants)
        {
            // √2 is 1.4142135 in float; any exporter writing it rounds to that value or one spacing away.
            if (!_constants.TryGetValue(tensor, out var constant) || constant.Floats is not { Length: 1 } floats || MathF.Abs(floats[0] - value) > 2e-7f * value)
                throw new NotSupportedException($"{Describe(match.Nodes[0])} starts the {match.Kind} pattern x·(1 + erf(x/√2))·0.5, but '{tensor}' is not the " +
                    $"single value {value}: the graph computes another function, which the engine has no activation for.");
        }
        return AddLayer(match.Nodes[^1], new ActivationSpec(match.Kind), [], match.Output);
    }
}
