using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Kinds;

/// <summary>With TargetColumnName the same estimator learns an input-to-target mapping instead of the identity.</summary>
public class PairedTrainingTests
{
    private sealed class PairedRow
    {
        [VectorType(SyntheticData.Width)]
        public float[] Features { get; set; } = [];

        [VectorType(SyntheticData.Width)]
        public float[] Target { get; set; } = [];

        [VectorType(SyntheticData.Width - 1)]
        public float[] Short { get; set; } = [];
    }

    /// <summary>The target is the row reversed and inverted, 1 − x[d−1−j]: far from the input, but a function of it.</summary>
    private static IDataView Data(MLContext ml, int count) => ml.Data.LoadFromEnumerable(SyntheticData.Rows(count).Select(r => new PairedRow
    {
        Features = r.Features,
        Target = r.Features.Reverse().Select(v => 1 - v).ToArray(),
        Short = r.Features[1..],
    }));

    [Fact]
    public void LearnsToMapInputsToTheTargetColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, 400);
        var options = TestAutoencoders.Options(epochs: 40);
        options.TargetColumnName = "Target";
        options.DenoisedColumnName = "Mapped";
        var model = ml.Transforms.Autoencoder(options).Fit(data);

        var mapped = ColumnValues.Vectors(model.Transform(data), "Mapped");
        var inputs = ColumnValues.Vectors(data, "Features");
        var targets = ColumnValues.Vectors(data, "Target");
        double toTarget = MeanSquared(mapped, targets), toInput = MeanSquared(mapped, inputs), targetToInput = MeanSquared(targets, inputs);

        Assert.True(targetToInput > 0.01, $"the target is too close to the input ({targetToInput:G3}) to tell the two apart");
        Assert.True(toTarget < 0.1 * toInput, $"MSE to the target {toTarget:G3}, to the input {toInput:G3}");
        Assert.True(toTarget < 0.1 * targetToInput, $"MSE to the target {toTarget:G3}; copying the input would give {targetToInput:G3}");
    }

    [Fact]
    public void TargetOfAnotherSizeOrMissingIsAClearError()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, 50);
        var options = TestAutoencoders.Options(epochs: 1);
        options.TargetColumnName = "Short";
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(options).Fit(data));
        Assert.Contains("'Short'", error.Message);
        Assert.Contains("same size", error.Message);

        options.TargetColumnName = "Nowhere";
        error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(options).Fit(data));
        Assert.Contains("Target column 'Nowhere' was not found", error.Message);
    }

    private static double MeanSquared(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        double sum = 0;
        int count = 0;
        for (int r = 0; r < a.Count; r++)
            for (int j = 0; j < a[r].Length; j++, count++) sum += (a[r][j] - b[r][j]) * (double)(a[r][j] - b[r][j]);
        return sum / count;
    }
}
