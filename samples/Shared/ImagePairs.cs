using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// Paired images for the paired-training samples (gray → colour, watermarked → clean): a data view of an input and a
/// target column of the same size, and the PSNR that scores an output against the truth.
/// </summary>
internal static class ImagePairs
{
    /// <summary>One row of the data view: the image the model sees and the image it should give back.</summary>
    private sealed class Pair
    {
        public float[] Input { get; set; } = [];
        public float[] Target { get; set; } = [];
    }

    /// <summary>
    /// A data view with two known-size vector columns, <paramref name="inputColumn"/> and <paramref name="targetColumn"/>
    /// (the estimator needs the sizes in the schema, which a plain float[] property does not give).
    /// </summary>
    public static IDataView ToDataView(MLContext mlContext, IReadOnlyList<float[]> inputs, IReadOnlyList<float[]> targets,
        string inputColumn, string targetColumn)
    {
        if (inputs.Count != targets.Count) throw new ArgumentException($"{inputs.Count} inputs but {targets.Count} targets.");
        int size = inputs[0].Length;
        var schema = SchemaDefinition.Create(typeof(Pair));
        // Look both columns up before renaming either: the indexer finds a column by its current name.
        SchemaDefinition.Column input = schema[nameof(Pair.Input)], target = schema[nameof(Pair.Target)];
        input.ColumnName = inputColumn;
        input.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        target.ColumnName = targetColumn;
        target.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        var rows = Enumerable.Range(0, inputs.Count).Select(i => new Pair { Input = inputs[i], Target = targets[i] }).ToList();
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>
    /// PSNR over a whole set of images with values in [0, 1]: 10·log10(1 / mean squared error), the error averaged over
    /// every value of every image (not per image), in dB; higher is closer to the truth.
    /// </summary>
    public static double Psnr(IReadOnlyList<float[]> candidates, IReadOnlyList<float[]> truths)
    {
        if (candidates.Count != truths.Count) throw new ArgumentException($"{candidates.Count} images against {truths.Count}.");
        double squared = 0;
        long count = 0;
        for (int i = 0; i < truths.Count; i++)
        {
            float[] candidate = candidates[i], truth = truths[i];
            for (int p = 0; p < truth.Length; p++)
            {
                double difference = candidate[p] - truth[p];
                squared += difference * difference;
            }
            count += truth.Length;
        }
        return 10 * Math.Log10(count / squared);
    }
}
