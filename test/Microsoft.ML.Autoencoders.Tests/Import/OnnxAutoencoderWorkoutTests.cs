using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>The estimator workout (<see cref="EstimatorWorkout"/>) for imported autoencoders, over the column settings that change the saved chain.</summary>
public sealed class OnnxAutoencoderWorkoutTests(ITestOutputHelper output)
{
    private sealed class DoubleRow
    {
        [VectorType(8)]
        public double[] Features { get; set; } = new double[8];
    }

    private static readonly Dictionary<string, Action<OnnxAutoencoderOptions>> Configurations = new()
    {
        ["all outputs"] = _ => { },
        ["error only"] = o => { o.CodeOutputName = null; o.ReconstructionColumnName = null; },
        ["code only"] = o => { o.ReconstructionColumnName = null; o.ReconstructionErrorColumnName = null; },
        ["reconstruction replaces input"] = o => o.ReconstructionColumnName = "Features",
        ["input column named as the graph input"] = o => o.InputColumnName = "x",
    };

    public static TheoryData<string> ConfigurationNames => new(Configurations.Keys);

    [Theory]
    [MemberData(nameof(ConfigurationNames))]
    public void EstimatorPassesWorkout(string configuration)
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var options = new OnnxAutoencoderOptions
        {
            ModelPath = PythonOnnxModels.Path(folder, "pca"), GraphInputName = "x", ReconstructionOutputName = "reconstruction", CodeOutputName = "code",
        };
        Configurations[configuration](options);
        var ml = new MLContext(seed: 1);
        var valid = ImportData.Of(ml, PythonOnnxModels.ExpectedFor(folder, "pca").Input.Take(50), 8, options.InputColumnName);
        var invalid = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(_ => new DoubleRow()), SchemaFor(options.InputColumnName));

        EstimatorWorkout.Run(ml.Transforms.OnnxAutoencoder(options), valid, invalid);
    }

    private static SchemaDefinition SchemaFor(string column)
    {
        var schema = SchemaDefinition.Create(typeof(DoubleRow));
        schema[nameof(DoubleRow.Features)].ColumnName = column;
        return schema;
    }
}
