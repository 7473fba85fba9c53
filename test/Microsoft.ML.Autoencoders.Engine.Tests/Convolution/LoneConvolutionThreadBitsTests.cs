using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// A convolution that joins no chain runs its own backward pass over the whole batch: the first convolution under a batch
/// norm (Conv → BN → ReLU, the usual block), a strided one (im2col) there too, one shaped for the flat planes, and a 1-D
/// convolution under a dense layer. Its dW and db must have the same bits on one thread as on two, as a chained one's do
/// (<see cref="SampleParallelChainTests"/>) and as the docs promise; they used to be summed per thread's share of the batch.
/// The layers are given more weight-gradient groups than threads (<see cref="Conv2d.WeightGradientGroups"/>, one per
/// processor by default): with as many groups as threads, as on a runner of one or two processors, each thread's share is
/// one group and a per-thread sum would give the same bits too.
/// </summary>
public class LoneConvolutionThreadBitsTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { "direct under batch norm", 37 },
        { "direct under batch norm", 5 },
        { "strided under batch norm", 29 },
        { "flat planes under batch norm", 19 },
        { "1-D under dense", 23 },
    };

    private static NetworkSpec Network(string name) => name switch
    {
        "direct under batch norm" => NetworkSpec.Create(new TensorShape(3, 9, 11),
            [new Conv2dSpec(5, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu)],
            decoder: [new Conv2dSpec(3, 3)]),
        "strided under batch norm" => NetworkSpec.Create(new TensorShape(3, 9, 11),
            [new Conv2dSpec(5, 3, Stride: 2), new BatchNorm2dSpec(), new FlattenSpec(), new DenseSpec(7)],
            decoder: [new DenseSpec(3 * 9 * 11), new ReshapeSpec(new TensorShape(3, 9, 11))]),
        "flat planes under batch norm" => NetworkSpec.Create(new TensorShape(8, 6, 8),
            [new Conv2dSpec(8, 3), new BatchNorm2dSpec(), new FlattenSpec(), new DenseSpec(6)],
            decoder: [new DenseSpec(8 * 6 * 8), new ReshapeSpec(new TensorShape(8, 6, 8))]),
        _ => NetworkSpec.Create(new TensorShape(2, 13),
            [new Conv1dSpec(5, 3), new FlattenSpec(), new DenseSpec(4)],
            decoder: [new DenseSpec(26), new ReshapeSpec(new TensorShape(2, 13))]),
    };

    /// <summary>More groups than any thread count the test asks for, and not a multiple of them, so threads' shares differ in size.</summary>
    private const int Groups = 7;

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParameterGradients_HaveTheSameBitsOnOneAndSeveralThreads(string name, int batch)
    {
        var network = AutoencoderNetwork.Create(Network(name), seed: 5);
        var sequence = network.Layers;
        var convolutions = sequence.Layers.Select(l => l is Conv1d c ? c.Plane : l).OfType<Conv2d>().ToList();
        Assert.NotEmpty(convolutions);
        foreach (var convolution in convolutions) convolution.WeightGradientGroups = Groups;
        var random = new SeededRandom(41);
        float[] input = TestData.Uniform(random, batch * sequence.InputSize, 0f, 1f);
        float[] outputGradient = TestData.Uniform(random, batch * sequence.OutputSize, -1f, 1f);

        float[][] ParameterGradients(int threads) =>
            SampleParallelChainTests.Pass.Run(network, input, outputGradient, batch, threads).ParameterGradients;

        var one = ParameterGradients(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var several = ParameterGradients(threads);
            for (int p = 0; p < one.Length; p++)
                Assert.True(one[p].AsSpan().SequenceEqual(several[p]), $"{network.Parameters.Parameters[p].Name}: 1 thread against {threads}");
        }
    }
}
