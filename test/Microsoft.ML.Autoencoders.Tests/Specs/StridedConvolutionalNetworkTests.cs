using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// Convolutional autoencoders that downsample by strided convolutions and upsample by transposed ones, trained through
/// the estimator: the decoder mirrored from the encoder ("same" padding, whose transposes pad one more row at the bottom
/// than at the top), or given explicitly (valid, explicit padding, dilation, output padding). The ONNX form, Conv and
/// ConvTranspose between reshapes, scores like the engine in ONNX Runtime (batched), under Model.Load (row by row) and
/// after the typed reload.
/// </summary>
public class StridedConvolutionalNetworkTests
{
    // Its column's size is given by SchemaDefinition, since the two networks take images of different sizes.
    private sealed class ImageRow
    {
        public float[] Pixels { get; set; } = [];
    }

    // Soft discs on a side × side image.
    private static List<ImageRow> Images(int count, int side)
    {
        var random = new Random(7);
        var rows = new List<ImageRow>();
        for (int i = 0; i < count; i++) rows.Add(new ImageRow { Pixels = SoftDiscs.Draw(random, side) });
        return rows;
    }

    [Theory]
    [InlineData("mirrored")]
    [InlineData("explicit")]
    public void StridedConvolutionalAutoencoderTrainsExportsAndReloads(string decoder)
    {
        var relu = new ActivationSpec(Activation.Relu);
        bool mirrored = decoder == "mirrored";
        // Mirrored: 8×8 → 4×4 → 2×2 by stride-2 "same" convolutions, and back by "same" transposed ones.
        // Explicit: 7×7 → 4×4 (padding 1) → 2×2 (valid), back by a dilated valid transposed convolution (2 → 4) and one
        // with padding 1 and output padding 1 (4 → 7).
        int side = mirrored ? 8 : 7;
        var options = new AutoencoderOptions
        {
            InputColumnName = "Pixels", EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [1, side, side],
            EncoderLayers = mirrored
                ? [new Conv2dSpec(4, 3, 2), relu, new Conv2dSpec(2, 3, 2), relu]
                : [new Conv2dSpec(4, 3, 2, Conv2dPadding.Explicit, ExplicitPadding: 1), relu, new Conv2dSpec(2, 2, 2, Conv2dPadding.Valid), relu],
            DecoderLayers = mirrored ? null :
            [
                new ConvTranspose2dSpec(4, 2, 1, Conv2dPadding.Valid, Dilation: 2), relu,
                new ConvTranspose2dSpec(1, 2, 2, Conv2dPadding.Explicit, ExplicitPadding: 1, OutputPadding: 1), new ActivationSpec(Activation.Sigmoid),
            ],
            OutputActivation = mirrored ? AutoencoderActivation.Sigmoid : new AutoencoderOptions().OutputActivation,
            Loss = AutoencoderLoss.BinaryCrossEntropy,
            Epochs = 8, BatchSize = 16, NumberOfThreads = 1,
        };
        var ml = new MLContext(seed: 1);
        var rows = Images(160, side);
        var data = ml.Data.LoadFromEnumerable(rows, SchemaDefinition(side));
        var transformer = ml.Transforms.Autoencoder(options).Fit(data);

        var spec = transformer.Model.Spec;
        Assert.Equal("[2, 2, 2]", spec.CodeShape.ToString());
        Assert.Equal(["conv_transpose2d", "activation", "conv_transpose2d", "activation"], spec.Decoder.Select(l => l.Kind));
        Assert.Equal(["[4, 4, 4]", "[4, 4, 4]", $"[1, {side}, {side}]", $"[1, {side}, {side}]"], spec.Decoder.Select(l => l.OutputShape!.ToString()));
        if (mirrored) Assert.All(spec.Decoder.OfType<ConvTranspose2dSpec>(), l => Assert.Equal(Conv2dPadding.Same, l.Padding));
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        ExportParity.AssertScoresAlike(ml, transformer, data, rows.SelectMany(r => r.Pixels).ToArray());
    }

    // A known-size vector column of side² values, as the estimator requires.
    private static SchemaDefinition SchemaDefinition(int side)
    {
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, side * side);
        return schema;
    }
}
