using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// When gradients are written over, a dense layer on two threads writes the gradient under the activation below it
/// directly (<see cref="Layer.TryBackwardThroughActivation"/>), skipping the activation's own pass and gradient slot. The
/// parameter gradients and the gradients under the activations must equal those of the plain pass that adds into
/// cleared slots, one layer at a time.
/// </summary>
public class BackwardThroughActivationTests
{
    // Batch 128 makes every dense product here at least 128 × 100 × 200 = 2.56 M multiply-adds: all of them are paired.
    private const int Batch = 128, Width = 300;

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)] // no in-place gradient: the plain passes run, and must still agree
    public void FusedBackwardMatchesThePlainPass(Activation hidden)
    {
        if (Environment.ProcessorCount >= 2) Assert.True(GemmPair.Pays(2, (long)Batch * 100 * 200, (long)Batch * 100 * 200));
        var architecture = new AutoencoderArchitecture
        {
            InputSize = Width,
            HiddenSizes = [200],
            CodeSize = 100,
            HiddenActivation = hidden,
            CodeActivation = hidden,
            OutputActivation = Activation.Sigmoid,
        };
        float[] input = SparseDenseGemmTests.SparseMatrix(new Random(6), Batch, Width, density: 0.9);

        var (fusedParameters, fusedUnderCode) = Gradients(architecture, input, overwrite: true);
        var (plainParameters, plainUnderCode) = Gradients(architecture, input, overwrite: false);

        // Equal as numbers: the plain pass adds to cleared slots, and 0 + (-0) is +0 where the written-over pass keeps -0.
        Assert.Equal(plainParameters, fusedParameters);
        Assert.Equal(plainUnderCode, fusedUnderCode);
        Assert.All(fusedUnderCode, g => Assert.False(float.IsNaN(g)));
    }

    /// <summary>
    /// The parameter gradients and the gradient under the code's activation (the slot before the code) after one forward
    /// and backward pass on two threads.
    /// </summary>
    private static (float[] Parameters, float[] UnderCode) Gradients(AutoencoderArchitecture architecture, float[] input, bool overwrite)
    {
        var network = AutoencoderNetwork.Create(architecture, seed: 3);
        var cache = network.CreateCache(Batch, forTraining: true);
        var context = new LayerContext(Training: true, Threads: 2);
        input.CopyTo(network.Input(cache, Batch));
        network.Forward(cache, Batch, context);
        int last = network.Layers.Layers.Count;
        var outputGradient = cache.Gradients(last, Batch);
        var random = new Random(8);
        for (int i = 0; i < outputGradient.Length; i++) outputGradient[i] = (float)(random.NextDouble() - 0.5);

        if (overwrite)
        {
            // As a training step runs it: every slot and parameter gradient written by its owner, stale values ignored.
            for (int slot = 0; slot < last; slot++) cache.Gradients(slot, Batch).Fill(float.NaN);
            network.Parameters.Gradients.AsSpan().Fill(float.NaN);
            context = context with { OverwriteParameterGradients = true };
        }
        else
        {
            for (int slot = 0; slot < last; slot++) cache.Gradients(slot, Batch).Clear();
            network.Parameters.ZeroGradients();
        }

        network.Layers.Backward(cache, Batch, context, last, 0, overwriteGradients: overwrite);
        return (network.Parameters.Gradients.ToArray(), cache.Gradients(network.CodeSlot - 1, Batch).ToArray());
    }
}
