using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// A steady-state training step allocates nothing: the trainer's per-batch work (<see cref="TrainingStep.Run"/>,
/// exactly what <see cref="AutoencoderTrainer.Fit"/> calls for every batch) is measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> after a few warm-up steps have made every lazy buffer
/// (GEMM packing workspaces, the worker pool, the parallel job).
/// </summary>
/// <remarks>
/// Runs alone (<see cref="AllocationMeasurement"/>): while another test class uses the worker pool, a step's parallel
/// parts run on the calling thread instead, and the first time that happens its packing workspace grows to take a
/// worker's share: a one-time allocation. CI once saw 7,152 such bytes in a full run with the test projects side by
/// side, so the test asks for one window of steps with no allocation at all (<see cref="SteadyStateAllocations"/>).
/// </remarks>
[Collection(nameof(AllocationMeasurement))]
public class TrainingAllocationTests
{
    private const int Width = 100, Rows = 300, Batch = 64;

    // "contractive" runs the Jacobian-probe method (a hidden layer), "contractive-closed-form" the one-layer sigmoid formula;
    // "convolutional" a small image network with every image layer kind (direct and im2col convolutions, batch norm, pooling,
    // both upsamplings, a transposed convolution); "lstm" and "conv1d" the two sequence autoencoders on windows [25, 4] and
    // [50, 2] (the LSTM's groups, its backward buffers and transposed weights; the 1-D convolutions and transposes);
    // "lstm-seq2seq" the LSTM autoencoder with the sequence-to-sequence decoder (its starting states and their gradients);
    // "gru" and "gru-seq2seq" both with GRUs.
    public static TheoryData<string> Configurations => new() { "plain", "regularized", "contractive", "contractive-closed-form", "convolutional", "lstm", "lstm-seq2seq", "gru", "gru-seq2seq", "conv1d" };

    /// <summary>Rows of 100 values as one-channel 10×10 images.</summary>
    private static NetworkSpec ConvolutionalNetwork()
    {
        var relu = new ActivationSpec(Activation.Relu);
        return NetworkSpec.Create(new TensorShape(1, 10, 10),
            [new Conv2dSpec(4, 3), new BatchNorm2dSpec(), relu, new MaxPool2dSpec(2), new Conv2dSpec(4, 3, Stride: 2), relu],
            decoder:
            [
                new ConvTranspose2dSpec(4, 3, Stride: 2), relu, new Upsample2dSpec(2, UpsampleMode.Bilinear), // 3 → 6 → 12
                new Conv2dSpec(4, 3, Padding: Conv2dPadding.Valid), relu,                                      // → 10
                new Conv2dSpec(1, 3, Dilation: 2), new ActivationSpec(Activation.Sigmoid),                     // dilated: im2col
            ]);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void SteadyStateStepsAllocateNothing(string configuration)
    {
        bool regularized = configuration == "regularized";
        bool contractive = configuration.StartsWith("contractive", StringComparison.Ordinal);
        var architecture = new AutoencoderArchitecture
        {
            InputSize = Width,
            HiddenSizes = configuration == "contractive-closed-form" ? [] : [48],
            CodeSize = 16,
            HiddenActivation = Activation.Relu,
            CodeActivation = regularized || contractive ? Activation.Sigmoid : Activation.Relu,
            OutputActivation = Activation.Sigmoid,
        };
        var options = new TrainingOptions
        {
            BatchSize = Batch,
            Loss = regularized ? LossKind.BinaryCrossEntropy : LossKind.MeanSquaredError,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3f },
            // Two threads, so the worker pool's hand-offs are inside the measurement.
            Threads = 2,
            Corruption = regularized ? new GaussianNoise(0.1f, 0f, 1f) : null,
            CodeRegularizers = regularized ? [new KlSparsityRegularizer(0.05f, 0.1f)]
                : contractive ? [new ContractiveRegularizer(0.01f, probes: 2)]
                : [],
            L2WeightPenalty = regularized ? 1e-4f : 0f,
        };
        var network = configuration switch
        {
            "convolutional" => AutoencoderNetwork.Create(ConvolutionalNetwork(), seed: 7),
            "lstm" => AutoencoderNetwork.Create(SequenceArchitecture.LstmAutoencoder(25, 4, hiddenUnits: 16, codeSize: 8).ToSpec(), seed: 7),
            "lstm-seq2seq" => AutoencoderNetwork.Create(SequenceArchitecture.LstmSequenceToSequence(25, 4, hiddenUnits: 16, codeSize: 8).ToSpec(), seed: 7),
            "gru" => AutoencoderNetwork.Create((SequenceArchitecture.LstmAutoencoder(25, 4, hiddenUnits: 16, codeSize: 8) with { Cell = RecurrentCell.Gru }).ToSpec(), seed: 7),
            "gru-seq2seq" => AutoencoderNetwork.Create((SequenceArchitecture.LstmSequenceToSequence(25, 4, hiddenUnits: 16, codeSize: 8) with { Cell = RecurrentCell.Gru }).ToSpec(), seed: 7),
            "conv1d" => AutoencoderNetwork.Create((SequenceArchitecture.KerasConvolutional(50, 2) with { Filters = [8, 4], KernelSize = 5 }).ToSpec(), seed: 7),
            _ => AutoencoderNetwork.Create(architecture, seed: 7),
        };
        var random = new SeededRandom(11);
        float[] data = new float[Rows * Width];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextFloat();
        int[] order = Enumerable.Range(0, Rows).ToArray();
        var step = new TrainingStep(network, options, Batch, random);

        // Warm-up: the first steps grow the packing workspaces and start the pool; a short last batch as well.
        for (int s = 0; s < 5; s++) step.Run(data, data, order.AsSpan(s * Batch % (Rows - Batch), Batch), out _);
        step.Run(data, data, order.AsSpan(0, 17), out _);

        double sum = 0;
        long[] windows = SteadyStateAllocations.Measure(s =>
        {
            int batch = s % 5 == 4 ? 17 : Batch;
            sum += step.Run(data, data, order.AsSpan(s * 7 % (Rows - Batch), batch), out double penalty) + penalty;
        }, callsPerWindow: 40);

        Assert.True(double.IsFinite(sum));
        SteadyStateAllocations.AssertNone(windows, configuration);
    }
}

/// <summary>Tests that measure allocations and must not share the worker pool with other test classes.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement;
