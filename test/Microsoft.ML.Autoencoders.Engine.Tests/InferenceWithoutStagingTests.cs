using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// <see cref="AutoencoderNetwork.Reconstruct"/> reads the caller's rows and writes the caller's buffer directly; it must
/// give the same bits as copying the rows into the cache, running <see cref="AutoencoderNetwork.Forward"/> and copying
/// the reconstruction out — with sparse and dense inputs, fused and unfused output activations.
/// </summary>
public class InferenceWithoutStagingTests
{
    [Theory]
    [InlineData(0.15, Activation.Sigmoid)]
    [InlineData(0.9, Activation.Sigmoid)]
    [InlineData(0.15, Activation.Tanh)]
    [InlineData(0.9, Activation.Linear)]
    public void ReconstructMatchesTheStagedForwardPass(double density, Activation output)
    {
        const int width = 70, rows = 37;
        var network = AutoencoderNetwork.Create(new AutoencoderArchitecture
        {
            InputSize = width,
            HiddenSizes = [32],
            CodeSize = 6,
            HiddenActivation = Activation.Relu,
            OutputActivation = output,
        }, seed: 9);
        float[] input = SparseDenseGemmTests.SparseMatrix(new Random(4), rows, width, density);
        var context = LayerContext.Inference(threads: 2);

        var staged = network.CreateCache(rows);
        input.CopyTo(network.Input(staged, rows));
        network.Forward(staged, rows, context);
        float[] expected = network.Reconstruction(staged, rows).ToArray();

        var cache = network.CreateCache(rows);
        float[] actual = Enumerable.Repeat(float.NaN, rows * width + 5).ToArray();
        network.Reconstruct(cache, input, actual, rows, context);

        Assert.Equal(expected, actual.Take(rows * width));
        Assert.All(actual.Skip(rows * width), v => Assert.True(float.IsNaN(v), "wrote past the rows asked for"));
        // The cache's input slot was never used: the rows were read where they are.
        Assert.All(network.Input(cache, rows).ToArray(), v => Assert.Equal(0f, v));
    }
}
