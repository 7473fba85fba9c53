using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Kinds;

/// <summary>
/// Every regularized kind survives mlContext.Model.Save → Load (scored by ONNX Runtime), the typed reload and the
/// standalone ONNX file with the engine's outputs: noise and penalties only shape training, dropout vanishes at
/// inference, and tied decoder layers are exported as MatMul with the transposed encoder matrix.
/// </summary>
public class KindsSaveLoadTests
{
    public static TheoryData<string> Kinds => new() { "denoising", "sparse-l1", "sparse-kl", "contractive-deep", "dropout", "tied", "tied-dropout-l2" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SavedModelScoresLikeTheTrainedOne(string kind)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 200);
        var options = TestAutoencoders.Options(epochs: 4);
        options.DenoisedColumnName = "Denoised";
        Configure(kind, options);
        var transformer = ml.Transforms.Autoencoder(options).Fit(data);
        var expected = transformer.Transform(data);
        string[] vectors = ["Encoded", "Reconstruction", "Denoised"];

        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(data);
        foreach (var column in vectors)
            ColumnValues.AssertClose(ColumnValues.Vectors(expected, column), ColumnValues.Vectors(loaded, column), $"{kind} {column} after Model.Load");
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(loaded, "Error"), $"{kind} Error after Model.Load");

        var typed = AutoencoderTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(transformer.Model.Spec.ToJson(), typed.Model.Spec.ToJson()); // the same layers, tied or not, with the same names and shapes
        Assert.Equal(transformer.Model.Network.Parameters.Values, typed.Model.Network.Parameters.Values);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Denoised"), ColumnValues.Vectors(typed.Transform(data), "Denoised"), $"{kind} typed reload");

        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        onnx.Position = 0;
        var fromOnnx = AutoencoderTransformer.LoadOnnx(onnx);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Encoded"), ColumnValues.Vectors(fromOnnx.Transform(data), "Encoded"), $"{kind} ONNX reload");
    }

    private static void Configure(string kind, AutoencoderOptions options)
    {
        switch (kind)
        {
            case "denoising": options.Noise = AutoencoderNoise.Masking; options.NoiseLevel = 0.2f; break;
            case "sparse-l1": options.SparsityL1 = 1e-3f; options.CodeActivation = AutoencoderActivation.Relu; break;
            case "sparse-kl": options.SparsityWeight = 0.5f; options.CodeActivation = AutoencoderActivation.Sigmoid; break;
            case "contractive-deep": options.ContractiveWeight = 0.01f; options.HiddenActivation = AutoencoderActivation.Tanh; break;
            case "dropout": options.DropoutRate = 0.2f; break;
            case "tied": options.TiedWeights = true; break;
            case "tied-dropout-l2": options.TiedWeights = true; options.DropoutRate = 0.1f; options.L2WeightPenalty = 1e-3f; options.HiddenLayerSizes = [8, 6]; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
