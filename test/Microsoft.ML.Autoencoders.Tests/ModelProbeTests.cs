using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>A model saved here is loaded and scored by another process (ONNX Runtime there, our engine here).</summary>
public class ModelProbeTests
{
    [Fact]
    public void AnotherProcessScoresSavedAutoencoderLikeThisOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(40);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = TestAutoencoders.Fit(ml, data);
        using var model = new TemporaryFile();
        using var input = new TemporaryFile(".tsv");
        ml.Model.Save(transformer, data.Schema, model.Path);
        ModelProbe.WriteRows(input.Path, rows);

        var probed = ModelProbe.Score(model.Path, input.Path);

        var scored = transformer.Transform(data);
        Assert.Equal(rows.Count, probed.Count);
        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "Encoded"), probed.Select(r => ModelProbe.Vector(r, "Encoded")).ToList(), "Encoded");
        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "Reconstruction"), probed.Select(r => ModelProbe.Vector(r, "Reconstruction")).ToList(), "Reconstruction");
        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Error"), probed.Select(r => ModelProbe.Scalar(r, "Error")).ToList(), "Error");
    }

    [Fact]
    public void AnotherProcessScoresSavedClassifierPipelineLikeThisOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(300);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Autoencoder(TestAutoencoders.Options(epochs: 15))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Encoded"));
        var fitted = pipeline.Fit(data);
        using var model = new TemporaryFile();
        using var input = new TemporaryFile(".tsv");
        ml.Model.Save(fitted, data.Schema, model.Path);
        var probedRows = rows.Take(60).ToList();
        ModelProbe.WriteRows(input.Path, probedRows);

        var probed = ModelProbe.Score(model.Path, input.Path);

        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(probedRows));
        Assert.Equal(scored.GetColumn<uint>("PredictedLabel"), probed.Select(r => r.GetProperty("PredictedLabel").GetUInt32()));
        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "Score"), probed.Select(r => ModelProbe.Vector(r, "Score")).ToList(), "Score");
    }
}
