using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// Ceil-mode average pooling scores alike in the engine and in ONNX Runtime, on the two cases where PyTorch's ceil rule and
/// ONNX's ceil_mode part: a last window that would start in the bottom/right padding (PyTorch drops it, ONNX keeps it), and a
/// last window that overhangs the padded image (its divisor leaves the overhang out, as count_include_pad=0 pads do).
/// </summary>
public class AvgPoolCeilExportTests
{
    private sealed class ImageRow
    {
        public float[] Pixels { get; set; } = [];
    }

    [Theory]
    [InlineData(3, 2, 2, 1, 2)] // 3×3 padded to 5: ONNX's ceil gives 3 windows, the third starting in the padding, which PyTorch drops
    [InlineData(5, 2, 2, 1, 3)] // the same rule on 5×5
    [InlineData(4, 3, 2, 1, 3)] // padded to 6, the third window overhangs by one: kept, its divisor 2 × 3 not 3 × 3
    [InlineData(5, 2, 2, 0, 3)] // no padding, an overhang of one
    public void CeilModeAvgPoolExportScoresLikeTheEngine(int side, int pool, int stride, int padding, int outputSide)
    {
        var spec = new AvgPool2dSpec(pool, stride, padding, CeilMode: true);
        Assert.Equal(new TensorShape(1, outputSide, outputSide), spec.InferOutputShape(new TensorShape(1, side, side)));

        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 8).Select(_ => new ImageRow { Pixels = [.. Enumerable.Range(0, side * side).Select(_ => (float)random.NextDouble())] }).ToList();
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, side * side);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = "Pixels", InputShape = [1, side, side],
            EncoderLayers = [spec, new FlattenSpec()],
            DecoderLayers = [new DenseSpec(side * side), new ReshapeSpec(new TensorShape(1, side, side))],
            Epochs = 1, BatchSize = 8, NumberOfThreads = 1,
        }).Fit(data);

        float[] batch = [.. rows.SelectMany(r => r.Pixels)];
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        using var session = new InferenceSession(onnx.ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [rows.Count, side * side]))]);
        // The code is the pooling's output itself: its size catches a window too many, its values a wrong divisor.
        ColumnValues.AssertClose(transformer.Model.Encode(batch, rows.Count), results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), "ONNX Runtime code");
        ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "ONNX Runtime reconstruction");
    }
}
