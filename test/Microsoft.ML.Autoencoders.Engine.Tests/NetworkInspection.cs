using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>What tests of dense networks look at: the dense layers in order, each with the activation that follows it.</summary>
internal static class NetworkInspection
{
    public static IEnumerable<(Dense Layer, Activation Activation)> DenseLayers(this AutoencoderNetwork network)
    {
        var layers = network.Layers.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not Dense dense) continue;
            var activation = i + 1 < layers.Count && layers[i + 1] is ActivationLayer a ? a.Kind : Activation.Linear;
            yield return (dense, activation);
        }
    }
}
