using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>Small networks with random weights and biases, and the encoder-only passes the penalty tests share.</summary>
internal static class RegularizationFixtures
{
    /// <summary>A network from <paramref name="architecture"/> with every weight and bias random (biases too, so no symmetry hides a bug).</summary>
    public static AutoencoderNetwork RandomNetwork(AutoencoderArchitecture architecture, long seed)
    {
        var network = AutoencoderNetwork.Create(architecture, seed);
        var random = new SeededRandom(seed + 1);
        TestData.Uniform(random, network.Parameters.Count, -0.8f, 0.8f).CopyTo(network.Parameters.Values, 0);
        return network;
    }

    /// <summary>A training context whose generator starts from <paramref name="seed"/> every time it is made.</summary>
    public static LayerContext Training(long seed) => new(Training: true, Threads: 1, Random: new SeededRandom(seed));

    /// <summary>Writes <paramref name="inputs"/> into the cache and runs the encoder.</summary>
    public static void Encode(AutoencoderNetwork network, ActivationCache cache, float[] inputs, int rows, in LayerContext context)
    {
        inputs.AsSpan(0, rows * network.InputSize).CopyTo(network.Input(cache, rows));
        network.Layers.Forward(cache, rows, context, 0, network.CodeSlot);
    }

    /// <summary>
    /// The mean over rows of ‖∂code/∂input‖²_F by central differences of the encoder (inference mode), in double
    /// where it sums. Independent of the penalty code: it only runs the encoder forward.
    /// </summary>
    public static double FiniteDifferenceJacobianNorm(AutoencoderNetwork network, float[] inputs, int rows, float epsilon = 1e-3f)
    {
        int d = network.InputSize, m = network.CodeSize;
        var cache = network.CreateCache(1);
        var context = LayerContext.Inference();
        var row = new float[d];
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < d; i++)
            {
                inputs.AsSpan(r * d, d).CopyTo(row);
                row[i] += epsilon;
                Encode(network, cache, row, 1, context);
                float[] up = network.Code(cache, 1).ToArray();
                row[i] -= 2 * epsilon;
                Encode(network, cache, row, 1, context);
                float[] down = network.Code(cache, 1).ToArray();
                for (int j = 0; j < m; j++)
                {
                    double derivative = ((double)up[j] - down[j]) / (2.0 * epsilon);
                    total += derivative * derivative;
                }
            }
        }
        return total / rows;
    }
}
