using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// PyTorch's LSTM and GRU autoencoders over windows [N, T, C] (TorchModels/make_torch_models.py, SequenceAutoencoder)
/// import as the engine's recurrent layers, score what PyTorch computed (<see cref="TorchOnnxImportTests"/> holds every
/// importable file to PyTorch and fine-tunes it), survive a fine-tune and a save and load; the recurrent forms the engine's
/// layers do not compute are refused naming what differs, those PyTorch cannot write built here node by node.
/// </summary>
public sealed class TorchSequenceImportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("torch_lstm_repeat", new[] { "lstm", "dense" }, new[] { "repeat_vector", "lstm", "time_distributed_dense" })]
    [InlineData("torch_lstm_expand_last_output", new[] { "lstm" }, new[] { "repeat_vector", "lstm", "activation", "time_distributed_dense" })]
    [InlineData("torch_gru_repeat", new[] { "gru", "dense" }, new[] { "repeat_vector", "gru", "time_distributed_dense" })]
    [InlineData("torch_lstm_two_layers", new[] { "lstm", "lstm", "dense" }, new[] { "repeat_vector", "lstm", "lstm", "time_distributed_dense" })]
    // With a fixed batch PyTorch sizes the second layer's zero state from a Shape of the first layer's states, a second reader.
    [InlineData("torch_lstm_two_layers_fixed_batch", new[] { "lstm", "lstm", "dense" }, new[] { "repeat_vector", "lstm", "lstm", "time_distributed_dense" })]
    // batch_first=False: the input [T, N, C] goes into the LSTM or GRU as it is, the code is repeated along the first axis.
    [InlineData("torch_lstm_time_major", new[] { "lstm", "dense" }, new[] { "repeat_vector", "lstm", "time_distributed_dense" })]
    [InlineData("torch_gru_time_major_fixed_batch", new[] { "gru" }, new[] { "repeat_vector", "gru", "time_distributed_dense" })]
    public void SequenceAutoencoderImportsAsTheEnginesRecurrentLayers(string name, string[] encoder, string[] decoder)
    {
        var expected = TorchOnnxModels.ExpectedFor(name);

        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name));

        Assert.Equal(encoder, model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(decoder, model.Spec.Decoder.Select(l => l.Kind));
        // The encoder's last recurrent layer gives its last state; every other one (stacked, or the decoder's) every state.
        var recurrent = model.Spec.Layers.Select((l, i) => (Index: i, Sequences: l switch { LstmSpec s => s.ReturnSequences, GruSpec s => s.ReturnSequences, _ => (bool?)null }))
            .Where(l => l.Sequences != null).ToList();
        int encoderLast = recurrent.Last(l => l.Index < encoder.Length).Index;
        Assert.All(recurrent, l => Assert.Equal(l.Index != encoderLast, l.Sequences));
        float[] reconstruction = model.Reconstruct(expected.FlatInput, expected.Rows);
        float[] pytorch = [.. expected.Reconstruction.SelectMany(r => r)];
        output.WriteLine($"{name}: {string.Join(" → ", model.Spec.Layers.Select(l => l.Kind))}; max |engine − PyTorch| " +
            $"{pytorch.Zip(reconstruction, (a, b) => Math.Abs(a - b)).Max():G3} over {pytorch.Length} values");
        ColumnValues.AssertClose(pytorch, reconstruction, "engine vs PyTorch");
        // One row at a time gives what the batch gives: the exported batch size (one for the fixed-batch file) is not the engine's.
        ColumnValues.AssertClose(expected.Reconstruction[3], model.Reconstruct(expected.Input[3], 1), "row 3 alone vs PyTorch");
    }

    [Theory]
    [InlineData("torch_lstm_bidirectional", "direction 'bidirectional' (nn.LSTM(bidirectional=True)); the engine's lstm layer runs forward in time only")]
    [InlineData("torch_lstm_cell_state_code", "its cell state Y_c (c_n) is read, as when the code is c_n[-1]")]
    public void RecurrentFormTheEngineDoesNotComputeIsRefusedNamingIt(string name, string expected)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name)));

        output.WriteLine(e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains("(LSTM)", e.Message);
    }

    [Fact]
    public void FineTunedImportedLstmSavesAndLoadsWithItsOutputs()
    {
        var ml = new MLContext(seed: 1);
        var (expected, imported, before, data) = TorchOnnxModels.Import("torch_lstm_repeat", ml);

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error", Epochs = 3, BatchSize = 4, LearningRate = 1e-3f, NumberOfThreads = 1,
        }).Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(tuned, data.Schema, file.Path);
        var typed = AutoencoderTransformer.LoadFromModelFile(file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _);

        // Training started from the imported weights (the first epoch's loss is theirs, not a fresh draw's) and moved them.
        double firstLoss = tuned.Model.TrainingHistory!.Epochs[0].TrainingLoss;
        output.WriteLine($"imported MSE {before:G6}; first epoch loss {firstLoss:G6}");
        Assert.InRange(firstLoss, before * 0.5, before * 1.05);
        Assert.NotEqual(imported.Network.Parameters.Values, tuned.Model.Network.Parameters.Values);
        Assert.Equal(tuned.Model.Spec.ToJson(), typed.Model.Spec.ToJson());
        Assert.Equal(tuned.Model.Network.Parameters.Values, typed.Model.Network.Parameters.Values);
        float[] reconstruction = tuned.Model.Reconstruct(expected.FlatInput, expected.Rows);
        Assert.Equal(reconstruction, typed.Model.Reconstruct(expected.FlatInput, expected.Rows));
        var rows = Enumerable.Range(0, expected.Rows).Select(r => reconstruction.AsSpan(r * expected.Width, expected.Width).ToArray()).ToList();
        ColumnValues.AssertClose(rows, ColumnValues.Vectors(loaded.Transform(data), "Reconstruction"), "Model.Load vs the tuned model");
    }

    [Fact]
    public void TimeMajorFileScoresThroughOnnxRuntimeOneWindowPerRunWithItsInputShape()
    {
        // [6, batch, 2]: ONNX Runtime's route batches along the first axis only, so without InputShape it says what to give.
        var expected = TorchOnnxModels.ExpectedFor("torch_lstm_time_major");
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, expected.Width);

        var e = Assert.ThrowsAny<ArgumentException>(() => OnnxAutoencoderModel.Load(TorchOnnxModels.Path("torch_lstm_time_major"), "input", "reconstruction"));
        var transformer = ml.Transforms.OnnxAutoencoder(new OnnxAutoencoderOptions
        {
            ModelPath = TorchOnnxModels.Path("torch_lstm_time_major"), GraphInputName = "input", ReconstructionOutputName = "reconstruction",
            InputColumnName = "Features", InputShape = [6, 1, 2],
        }).Fit(data);

        output.WriteLine(e.Message);
        Assert.Contains("Its open axis is the second, as for windows [T, N, F] read by an nn.LSTM or nn.GRU with batch_first=False: InputShape = [6, 1, 2] scores one window per run", e.Message);
        Assert.False(transformer.Model.ScoresInBatches);
        ColumnValues.AssertClose(expected.Reconstruction, ColumnValues.Vectors(transformer.Transform(data), "Reconstruction"), "ONNX Runtime vs PyTorch");
    }

    [Fact]
    public void TimeMajorStepsReadByAnotherLayerAreRefusedNamingTheLayout()
    {
        // batch_first=False states [T, N, H] flattened: per window that would mix the batch into a row.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [4, -1, 3]).AddOutput("y", [4, -1]);
        g.AddInitializer("W", [1, 8, 3], Values(24, 1)).AddInitializer("R", [1, 8, 2], Values(16, 2)).AddInt64Initializer("axis", [1], [1L]);
        g.AddNode("LSTM", ["x", "W", "R"], ["Y"], name: "cell", attributes: [OnnxAttribute.FromInt("hidden_size", 2)]);
        g.AddNode("Squeeze", ["Y", "axis"], ["states"]);
        g.AddNode("Flatten", ["states"], ["y"], name: "after");

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        output.WriteLine(e.Message);
        Assert.Contains("Node 'after' (Flatten) reads time-major windows [T, N, F] (an nn.LSTM or nn.GRU with batch_first=False)", e.Message);
        Assert.Contains("Export the modules with batch_first=True", e.Message);
        Assert.Contains("this time-major input needs InputShape = [4, 1, 3] ([T, 1, F]: one window per run)", e.Message);
    }

    [Theory]
    [InlineData(1L, "Relu", "(time-major, x.unsqueeze(0) of a flat code [N, W]) that a repeat over the steps follows")]
    [InlineData(0L, "Relu", "(time-major, x.unsqueeze(0).repeat(T, 1, 1) or .expand(T, -1, -1))")]
    public void TimeMajorStepAxisRefusalsNameTheTimeMajorForm(long axis, string next, string message)
    {
        // An nn.LSTM(batch_first=False) encoder's last state h_n[-1] [N, 2], unsqueezed on the wrong axis, or on the right
        // one and then read by something other than a repeat over the steps.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [4, -1, 3]).AddOutput("y", [-1, -1, 2]);
        g.AddInitializer("W", [1, 8, 3], Values(24, 1)).AddInitializer("R", [1, 8, 2], Values(16, 2))
            .AddInt64Initializer("first", [1], [0L]).AddInt64Initializer("step", [1], [axis]);
        g.AddNode("LSTM", ["x", "W", "R"], ["", "Y_h"], name: "cell", attributes: [OnnxAttribute.FromInt("hidden_size", 2)]);
        g.AddNode("Squeeze", ["Y_h", "first"], ["code"]);
        g.AddNode("Unsqueeze", ["code", "step"], ["stepped"], name: "unsqueeze");
        g.AddNode(next, ["stepped"], ["y"], name: "after");

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        output.WriteLine(e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain("x.unsqueeze(1)", e.Message);
    }

    [Fact]
    public void OpenSecondAxisNotReadByARecurrentLayerIsToldWhatItLooksLike()
    {
        // [T, N, F] whose first node is no LSTM or GRU: the engine cannot tell its rows, and says what such a shape usually is.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [4, -1, 3]).AddOutput("y", [4, -1, 3]);
        g.AddNode("Relu", ["x"], ["y"]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("has shape [4, -1, 3]: the per-row shape must be fixed", e.Message);
        Assert.Contains("Its open axis is the second, as when windows [T, N, F] go into an nn.LSTM or nn.GRU with batch_first=False", e.Message);
        Assert.Contains("this time-major input needs InputShape = [4, 1, 3]", e.Message);
    }

    [Fact]
    public void GruWithTheResetBeforeTheProductIsRefused()
    {
        var g = Recurrent("GRU", units: 2, gates: 3, [OnnxAttribute.FromInt("linear_before_reset", 0)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Node 'cell' (GRU): linear_before_reset = 0 applies the reset gate before the recurrent product", e.Message);
    }

    [Fact]
    public void LstmStartedFromAGivenStateIsRefused()
    {
        // forward(x, (h0, c0)) with h0 a learned constant: the engine's layers start from zeros.
        var g = Recurrent("LSTM", units: 2, gates: 4, [], initialHidden: [0.5f, -0.5f]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("initial_h ('h0') is not zero", e.Message);
        Assert.Contains("start from zeros", e.Message);
    }

    [Fact]
    public void LstmReadingTheRowsTimeMajorIsRefused()
    {
        // nn.LSTM(batch_first=False): no Transpose, the LSTM reads the input's first axis as the steps.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 4, 3]).AddOutput("Y", [4, 1, -1, 2]);
        g.AddInitializer("W", [1, 8, 3], Values(24, 1)).AddInitializer("R", [1, 8, 2], Values(16, 2));
        g.AddNode("LSTM", ["x", "W", "R"], ["Y"], name: "cell", attributes: [OnnxAttribute.FromInt("hidden_size", 2)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Node 'cell' (LSTM) reads the rows as they come, time-major [T, N, F] (batch_first=False)", e.Message);
    }

    /// <summary>Windows [N, 4, 3] transposed into one recurrent node with the given attributes, as PyTorch begins its graph.</summary>
    private static OnnxModelBuilder Recurrent(string operatorType, int units, int gates, OnnxAttribute[] attributes, float[]? initialHidden = null)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 4, 3]).AddOutput("Y_h", [1, -1, units]);
        g.AddNode("Transpose", ["x"], ["time_major"], attributes: [OnnxAttribute.FromInts("perm", 1, 0, 2)]);
        g.AddInitializer("W", [1, gates * units, 3], Values(gates * units * 3, 1)).AddInitializer("R", [1, gates * units, units], Values(gates * units * units, 2));
        List<string> inputs = ["time_major", "W", "R"];
        if (initialHidden != null)
        {
            g.AddInitializer("h0", [1, 1, units], initialHidden);
            inputs.AddRange(["", "", "h0"]);
        }
        g.AddNode(operatorType, inputs, ["Y", "Y_h"], name: "cell", attributes: [OnnxAttribute.FromInt("hidden_size", units), .. attributes]);
        return g;
    }

    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.3f * i + 0.7f * seed))];
}
