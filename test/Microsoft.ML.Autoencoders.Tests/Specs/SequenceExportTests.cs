using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Persistence;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// The sequence layer kinds in ONNX: networks of them (with weights drawn and then nudged, so every bias matters) are
/// written as the library's model file, which ONNX Runtime scores like the engine — a batch at once and one row at a time,
/// the form ML.NET feeds — which the ONNX checker accepts, and which reads back into the same spec and weights.
/// </summary>
public sealed class SequenceExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sequence-export-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Networks => new()
    {
        "lstm-repeat-vector", "lstm-sequences", "conv1d-windows", "conv1d-odd", "architecture-lstm", "architecture-keras-conv",
        "lstm-decoder", "architecture-lstm-seq2seq", "gru-sequences", "architecture-gru", "gru-decoder", "architecture-gru-seq2seq",
        "conv1d-causal", "conv1d-causal-strided", "conv1d-explicit-pads",
        "conv1d-pool-upsample", "pool-padded-upsample",
    };

    /// <summary>The networks by name: each exercises one form of every layer it holds.</summary>
    private static NetworkSpec Spec(string name) => name switch
    {
        // The LSTM autoencoder's shape: last state, dense code, repeat, LSTM over the sequence, a dense per step.
        "lstm-repeat-vector" => NetworkSpec.Create(new TensorShape(7, 3), [new LstmSpec(5), new DenseSpec(2)],
            [new RepeatVectorSpec(7), new LstmSpec(5, ReturnSequences: true), new TimeDistributedDenseSpec(3)]),
        // Sequences in and out of both halves, and a time-distributed layer fused with its activation.
        "lstm-sequences" => NetworkSpec.Create(new TensorShape(6, 2),
            [new LstmSpec(4, ReturnSequences: true), new TimeDistributedDenseSpec(3), new ActivationSpec(Activation.Tanh)],
            [new LstmSpec(5, ReturnSequences: true), new TimeDistributedDenseSpec(2)]),
        // The Keras time-series example's shape on windows [steps, channels]: transposed to channels first and back.
        "conv1d-windows" => NetworkSpec.Create(new TensorShape(24, 2),
            [new TransposeSpec(), new Conv1dSpec(4, 7, 2), Relu, new DropoutSpec(0.2f), new Conv1dSpec(3, 7, 2), Relu],
            [new ConvTranspose1dSpec(3, 7, 2), Relu, new DropoutSpec(0.2f), new ConvTranspose1dSpec(4, 7, 2), Relu, new ConvTranspose1dSpec(2, 7), new TransposeSpec()]),
        // Valid padding, stride 3 and dilation 2, undone by the mirrored decoder's transposed convolution with output padding.
        "conv1d-odd" => NetworkSpec.Create(new TensorShape(2, 11),
            [new Conv1dSpec(3, 4, 3, Conv2dPadding.Valid, Dilation: 2), Relu, new Conv1dSpec(2, 3, 1, Conv2dPadding.Explicit, ExplicitPadding: 1)]),
        // The entry point's two kinds, the second at the Keras example's full size.
        "architecture-lstm" => SequenceArchitecture.LstmAutoencoder(16, channels: 2, hiddenUnits: 8, codeSize: 3).ToSpec(),
        "architecture-keras-conv" => SequenceArchitecture.KerasConvolutional().ToSpec(),
        // The sequence-to-sequence decoder, its code straight from a dense encoder and its states through a tanh output, and
        // the entry point's LSTM kind with it.
        "lstm-decoder" => NetworkSpec.Create(new TensorShape(9, 2), [new FlattenSpec(), new DenseSpec(4)],
            [new UnconditionedLstmDecoderSpec(9, 6), new TimeDistributedDenseSpec(2), new ActivationSpec(Activation.Tanh)]),
        "architecture-lstm-seq2seq" => SequenceArchitecture.LstmSequenceToSequence(16, channels: 2, hiddenUnits: 8, codeSize: 3).ToSpec(),
        // GRUs (ONNX GRU, linear_before_reset = 1): sequences in and out, and the entry point's repeat-vector kind with them.
        "gru-sequences" => NetworkSpec.Create(new TensorShape(6, 2),
            [new GruSpec(4, ReturnSequences: true), new TimeDistributedDenseSpec(3), new ActivationSpec(Activation.Tanh)],
            [new GruSpec(5, ReturnSequences: true), new TimeDistributedDenseSpec(2)]),
        "architecture-gru" => (SequenceArchitecture.LstmAutoencoder(16, channels: 2, hiddenUnits: 8, codeSize: 3) with { Cell = RecurrentCell.Gru }).ToSpec(),
        "gru-decoder" => NetworkSpec.Create(new TensorShape(9, 2), [new FlattenSpec(), new DenseSpec(4)],
            [new UnconditionedGruDecoderSpec(9, 6), new TimeDistributedDenseSpec(2), new ActivationSpec(Activation.Tanh)]),
        "architecture-gru-seq2seq" => (SequenceArchitecture.LstmSequenceToSequence(16, channels: 2, hiddenUnits: 8, codeSize: 3) with { Cell = RecurrentCell.Gru }).ToSpec(),
        // Causal convolutions (pads [d·(k − 1), 0]) mirrored into causal ones, then strided ones mirrored into transposed
        // convolutions that crop only their end (pads [0, r], with an output padding where the full output is short).
        "conv1d-causal" => NetworkSpec.Create(new TensorShape(13, 2),
            [new TransposeSpec(), new Conv1dSpec(4, 3, Padding: Conv2dPadding.Causal), Relu, new Conv1dSpec(3, 2, Padding: Conv2dPadding.Causal, Dilation: 3), Relu]),
        "conv1d-causal-strided" => NetworkSpec.Create(new TensorShape(13, 2),
            [new TransposeSpec(), new Conv1dSpec(4, 3, 2, Conv2dPadding.Causal), Relu, new Conv1dSpec(3, 4, 3, Conv2dPadding.Causal, Dilation: 2), Relu]),
        // Per-side pads: PyTorch's causal F.pad(x, (2, 0)) written as pads, and zeros at the end only, strided.
        "conv1d-explicit-pads" => NetworkSpec.Create(new TensorShape(2, 11),
            [new Conv1dSpec(3, 3, Padding: Conv2dPadding.Explicit, ExplicitPads: new Conv1dPads(2, 0)), Relu,
             new Conv1dSpec(2, 3, 2, Conv2dPadding.Explicit, ExplicitPads: new Conv1dPads(0, 2))]),
        // Keras' Conv1D + MaxPooling1D time-series autoencoder on windows [steps, channels], mirrored into UpSampling1D.
        "conv1d-pool-upsample" => NetworkSpec.Create(new TensorShape(12, 2),
            [new TransposeSpec(), new Conv1dSpec(4, 3), Relu, new MaxPool1dSpec(2), new Conv1dSpec(3, 3), Relu, new MaxPool1dSpec(3)]),
        // nn.MaxPool1d(3, stride=2, padding=1) (overlapping windows, padded ends) and an upsampling by 3 given explicitly.
        "pool-padded-upsample" => NetworkSpec.Create(new TensorShape(2, 9),
            [new Conv1dSpec(3, 3), new ActivationSpec(Activation.Tanh), new MaxPool1dSpec(3, 2, 1)],
            [new Upsample1dSpec(3), new Conv1dSpec(2, 7, 1, Conv2dPadding.Valid)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static readonly ActivationSpec Relu = new(Activation.Relu);

    private static AutoencoderModel Model(string name) => StandaloneExport.Nudged(Spec(name));

    private static readonly AutoencoderColumns Columns = new("Window", "Code", "Reconstruction", "Error");

    private static float[] Rows(AutoencoderModel model, int rows) => StandaloneExport.RandomRows(model, rows, spread: 1);

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntime_ScoresLikeTheEngine_BatchedAndRowByRow(string name)
    {
        var model = Model(name);
        StandaloneExport.AssertOnnxRuntimeScoresLike(model, Columns, Rows(model, 5), 5);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxChecker_AcceptsTheGraph(string name) => StandaloneExport.AssertCheckerAccepts(Model(name), Columns, _directory, name, output);

    [Theory]
    [MemberData(nameof(Networks))]
    public void ModelFile_ReadsBackTheSpecAndWeights(string name)
    {
        var model = Model(name);
        StandaloneExport.AssertModelFileReadsBack(model, Columns, Rows(model, 3), 3);
    }

    /// <summary>
    /// The engine's own export read back by its importer, as a graph from elsewhere would come (without the error column,
    /// whose ReduceMean has no layer): the same reconstruction within float rounding. The recurrent layers' export used to
    /// build W, R and B with nodes the import did not fold, and to read Y, Y_h, the repeat and the time-distributed dense
    /// layer in forms (steps moved into the batch axis, a flat Tile) that no import of rows could follow; only the
    /// convolutional networks came back.
    /// </summary>
    [Theory]
    [MemberData(nameof(ImportableNetworks))]
    public void EngineImport_ReadsTheExportBackAsTheSameComputation(string name)
    {
        var model = Model(name);
        var imported = AutoencoderModel.ImportOnnx(ExportWithoutErrorColumn(model));
        float[] batch = Rows(model, 4);
        ColumnValues.AssertClose(model.Reconstruct(batch, 4), imported.Reconstruct(batch, 4), $"{name} imported back", 1e-5);
    }

    /// <summary>
    /// The sequence-to-sequence decoders (an LSTM or GRU with no input whose initial states are split from the code) have no
    /// import form, from PyTorch or from here: they are refused by name, and read back through the model file or
    /// <c>AutoencoderTransformer.LoadOnnx</c> instead.
    /// </summary>
    [Theory]
    [InlineData("lstm-decoder")]
    [InlineData("gru-decoder")]
    [InlineData("architecture-lstm-seq2seq")]
    [InlineData("architecture-gru-seq2seq")]
    public void EngineImport_RefusesTheUnconditionedDecodersByName(string name)
    {
        var error = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(ExportWithoutErrorColumn(Model(name))));
        Assert.Contains("OnnxAutoencoder", error.Message);
    }

    public static TheoryData<string> ImportableNetworks
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (string name in Networks)
                if (name is not ("lstm-decoder" or "gru-decoder" or "architecture-lstm-seq2seq" or "architecture-gru-seq2seq")) names.Add(name);
            return names;
        }
    }

    private static byte[] ExportWithoutErrorColumn(AutoencoderModel model)
    {
        var graph = Microsoft.ML.Autoencoders.Onnx.Protos.ModelProto.Parser.ParseFrom(AutoencoderOnnx.ToBytes(model, Columns, AutoencoderOnnx.GraphNames.Standalone, batched: true));
        foreach (var node in graph.Graph.Node.Where(n => n.Name.StartsWith("error.", StringComparison.Ordinal)).ToList()) graph.Graph.Node.Remove(node);
        graph.Graph.Output.Remove(graph.Graph.Output.Single(o => o.Name == "reconstruction_error"));
        return Google.Protobuf.MessageExtensions.ToByteArray(graph);
    }
}
