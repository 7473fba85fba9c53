using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// A layer kind defined only in this test project (<see cref="FeatureScaleSpec"/>) trains, is penalized, exports to
/// ONNX, saves and reloads through every path, with no edit to the library: the layer specification's promise.
/// </summary>
public class CustomLayerKindTests
{
    public CustomLayerKindTests() => FeatureScaleSpec.Register();

    private static AutoencoderOptions Options(float l2 = 0, float contractive = 0) => new()
    {
        EncodedColumnName = "Encoded", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
        EncoderLayers = [new DenseSpec(8), new ActivationSpec(Activation.Tanh), new FeatureScaleSpec(), new DenseSpec(3)],
        OutputActivation = AutoencoderActivation.Sigmoid, L2WeightPenalty = l2, ContractiveWeight = contractive,
        Epochs = 12, BatchSize = 16, NumberOfThreads = 1,
    };

    [Fact]
    public void NetworkWithTheNewKindTrainsExportsAndReloads()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(240);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(Options()).Fit(data);

        // It is in the network, mirrored in the decoder, and it learned.
        var spec = transformer.Model.Spec;
        Assert.Equal(["dense", "activation", FeatureScaleSpec.KindName, "dense"], spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["dense", FeatureScaleSpec.KindName, "activation", "dense", "activation"], spec.Decoder.Select(l => l.Kind));
        var scales = transformer.Model.Network.Layers.Layers.OfType<FeatureScaleLayer>().ToArray();
        Assert.Equal(2, scales.Length);
        Assert.Contains(scales[0].Scale.Values.ToArray(), s => s != 1f);
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.7 * epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        var expected = transformer.Transform(data);

        // ONNX: the standalone file scores a batch in ONNX Runtime like the engine.
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        using (var session = new InferenceSession(onnx.ToArray()))
        {
            float[] batch = rows.SelectMany(r => r.Features).ToArray();
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [rows.Count, SyntheticData.Width]))]);
            float[] reconstruction = results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray();
            ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), reconstruction, "ONNX Runtime reconstruction");
        }

        // The typed ONNX reload rebuilds the same network from the stored spec.
        onnx.Position = 0;
        var reloaded = AutoencoderTransformer.LoadOnnx(onnx);
        Assert.Equal(spec.ToJson(), reloaded.Model.Spec.ToJson());
        Assert.Equal(transformer.Model.Network.Parameters.Values, reloaded.Model.Network.Parameters.Values);

        // Model.Save → Model.Load (ONNX Runtime inside ML.NET) and the typed reload from the zip score the same.
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(data);
        var typed = AutoencoderTransformer.LoadFromModelFile(file.Path).Transform(data);
        foreach (var column in new[] { "Encoded", "Reconstruction" })
        {
            ColumnValues.AssertClose(ColumnValues.Vectors(expected, column), ColumnValues.Vectors(loaded, column), $"{column} after Model.Load");
            ColumnValues.AssertClose(ColumnValues.Vectors(expected, column), ColumnValues.Vectors(typed, column), $"{column} after the typed reload", 0);
        }
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(loaded, "Error"), "Error after Model.Load");
    }

    [Fact]
    public void WeightPenaltyAndContractivePenaltyReachTheNewKind()
    {
        var network = AutoencoderNetwork.Create(
            NetworkSpec.Create(TensorShape.Flat(6), [new DenseSpec(4), new ActivationSpec(Activation.Sigmoid), new FeatureScaleSpec()]), seed: 3);
        var scale = network.Layers.Layers.OfType<FeatureScaleLayer>().First().Scale;

        // L2 on weights: the scale is a weight by its role, so its gradient is 2·λ·s = 2·0.5·1 per element.
        network.Parameters.ZeroGradients();
        new WeightPenalty(0, 0.5f).Apply(network);
        Assert.All(scale.Gradients.ToArray(), g => Assert.Equal(1f, g));

        // The contractive penalty pushes tangents through it (its own PushTangent), through a deep encoder.
        var ml = new MLContext(seed: 1);
        var options = Options(contractive: 0.05f);
        var transformer = ml.Transforms.Autoencoder(options).Fit(ml.Data.LoadFromEnumerable(SyntheticData.Rows(120)));
        Assert.All(transformer.Model.TrainingHistory!.Epochs, e => Assert.True(e.Penalty > 0));
    }

    [Fact]
    public void UnregisteredKindIsNamedWhenLoading()
    {
        string json = NetworkSpec.Create(TensorShape.Flat(5), [new DenseSpec(2)]).ToJson().Replace("\"dense\"", "\"someone.elses_layer\"");
        var error = Assert.Throws<InvalidDataException>(() => NetworkSpec.FromJson(json));
        Assert.Contains("someone.elses_layer", error.Message);
        Assert.Contains("LayerKinds.Register", error.Message);
    }
}
