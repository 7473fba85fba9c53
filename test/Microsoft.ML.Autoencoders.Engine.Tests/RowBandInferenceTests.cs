using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// <see cref="AutoencoderNetwork.Reconstruct"/> runs a dense network band by band (<see cref="RowBandInference"/>): it must
/// give the bits of the per-product path, for any thread count, and see every change to the weights made between calls.
/// </summary>
public class RowBandInferenceTests
{
    [Theory]
    [InlineData(0.19, Activation.Sigmoid, 1024)] // MNIST's density: the first layer reads the nonzeros
    [InlineData(0.9, Activation.Sigmoid, 1024)]  // too dense for that: every layer is a GEMM
    [InlineData(0.19, Activation.Tanh, 784)]     // a tanh output, and a ragged last band
    [InlineData(0.9, Activation.Linear, 200)]
    [InlineData(0.19, Activation.Sigmoid, 97)]   // barely enough rows, one part
    public void BandsGiveTheBitsOfTheProductByProductPath(double density, Activation output, int rows)
    {
        AutoencoderNetwork network = Network(output);
        float[] input = SparseDenseGemmTests.SparseMatrix(new Random(rows), rows, Width, density);
        float[] expected = Reconstruct(network, input, rows, threads: 1, bands: false);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] actual = Reconstruct(network, input, rows, threads, bands: true);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(0.19, 1024)]
    [InlineData(0.9, 333)]
    public void TheCodesTappedOnTheWayAreTheCodesOfTheProductByProductPath(double density, int rows)
    {
        // The code step writes its rows into the caller's codes span and the decoder reads them from there, so a code
        // overwritten or read back wrong would show in the codes or in the reconstruction.
        AutoencoderNetwork network = Network(Activation.Sigmoid);
        float[] input = SparseDenseGemmTests.SparseMatrix(new Random(rows), rows, Width, density);
        var (expected, expectedCodes) = ReconstructWithCodes(network, input, rows, threads: 1, bands: false);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var (actual, codes) = ReconstructWithCodes(network, input, rows, threads, bands: true);
            Assert.Equal(expectedCodes, codes);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void RowsOnBothSidesOfTheSparseBoundDoNotDependOnTheThreadCount()
    {
        // Dense rows, then sparse ones from row 384 on: a chunk judged as a whole would go one way or the other depending
        // on where it was cut (one thread's chunk [336, 500) holds 28 % nonzeros, two threads' [252, 372) 90 %), while
        // each 12-row group is judged on its own, so the sparse and dense runs start at the same rows whatever the split.
        // The rows are wide enough for the two products to sum in different depth blocks, so they really round differently
        // (on narrow rows both are one FMA chain in depth order, a zero adds nothing, and the bits agree).
        const int rows = 500, width = 2100;
        AutoencoderNetwork network = Network(Activation.Sigmoid, width);
        var random = new Random(5);
        var input = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            double density = r < 384 ? 0.9 : 0.02;
            SparseDenseGemmTests.SparseMatrix(random, 1, width, density).CopyTo(input, r * width);
        }

        float[] oneThread = Reconstruct(network, input, rows, threads: 1, bands: true);
        Assert.Equal(oneThread, Reconstruct(network, input, rows, threads: 2, bands: true));
        Assert.Equal(oneThread, Reconstruct(network, input, rows, threads: 3, bands: true));
        float[] productByProduct = Reconstruct(network, input, rows, threads: 2, bands: false);
        for (int i = 0; i < oneThread.Length; i++) Assert.Equal(productByProduct[i], oneThread[i], 1e-5f);
    }

    [Fact]
    public void AWeightChangeBetweenCallsIsSeen()
    {
        const int rows = 512;
        AutoencoderNetwork network = Network(Activation.Sigmoid);
        float[] input = SparseDenseGemmTests.SparseMatrix(new Random(11), rows, Width, 0.19);
        var cache = network.CreateCache(rows);
        var context = LayerContext.Inference(threads: 2);
        var first = new float[rows * Width];
        network.Reconstruct(cache, input, first, rows, context);

        // In place, as an optimizer step or a user writing the spans does: every weight and bias moves.
        Span<float> values = network.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] = values[i] * 0.9f + (i % 7 - 3) * 0.01f;
        var second = new float[rows * Width];
        network.Reconstruct(cache, input, second, rows, context);

        Assert.NotEqual(first, second);
        Assert.Equal(Reconstruct(network, input, rows, threads: 2, bands: false), second);
    }

    [Fact]
    public void CallsFromSeveralThreadsAtOnceEachGetTheirOwnRows()
    {
        // One network shared by several scoring threads, each with its own cache: a call that finds the bands busy takes
        // the per-product path, and every call must still return its own rows' reconstruction.
        const int rows = 400, callers = 4, calls = 20;
        AutoencoderNetwork network = Network(Activation.Sigmoid);
        var inputs = Enumerable.Range(0, callers).Select(c => SparseDenseGemmTests.SparseMatrix(new Random(100 + c), rows, Width, 0.19)).ToArray();
        var expected = inputs.Select(input => Reconstruct(network, input, rows, threads: 2, bands: false)).ToArray();
        Parallel.For(0, callers, new ParallelOptions { MaxDegreeOfParallelism = callers }, c =>
        {
            var cache = network.CreateCache(rows);
            var output = new float[rows * Width];
            for (int call = 0; call < calls; call++)
            {
                Array.Fill(output, float.NaN);
                network.Reconstruct(cache, inputs[c], output, rows, LayerContext.Inference(threads: 2));
                Assert.Equal(expected[c], output);
            }
        });
    }

    private const int Width = 90;

    private static AutoencoderNetwork Network(Activation output, int width = Width) => AutoencoderNetwork.Create(new AutoencoderArchitecture
    {
        InputSize = width,
        HiddenSizes = [48],
        CodeSize = 12,
        HiddenActivation = Activation.Relu,
        CodeActivation = Activation.LeakyRelu,
        OutputActivation = output,
    }, seed: 21);

    private static (float[] Output, float[] Codes) ReconstructWithCodes(AutoencoderNetwork network, float[] input, int rows, int threads, bool bands)
    {
        network.UsesRowBandInference = bands;
        try
        {
            var output = Enumerable.Repeat(float.NaN, rows * network.InputSize).ToArray();
            var codes = Enumerable.Repeat(float.NaN, rows * network.CodeSize).ToArray();
            network.Reconstruct(network.CreateCache(rows), input, output, codes, rows, LayerContext.Inference(threads));
            return (output, codes);
        }
        finally
        {
            network.UsesRowBandInference = true;
        }
    }

    private static float[] Reconstruct(AutoencoderNetwork network, float[] input, int rows, int threads, bool bands)
    {
        network.UsesRowBandInference = bands;
        try
        {
            var output = Enumerable.Repeat(float.NaN, rows * network.InputSize).ToArray();
            network.Reconstruct(network.CreateCache(rows), input, output, rows, LayerContext.Inference(threads));
            return output;
        }
        finally
        {
            network.UsesRowBandInference = true;
        }
    }
}
