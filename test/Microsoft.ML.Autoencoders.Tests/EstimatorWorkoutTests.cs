using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>The estimator workout (<see cref="EstimatorWorkout"/>) over the configurations that change the saved chain.</summary>
public class EstimatorWorkoutTests
{
    /// <summary>Invalid for the estimator and the fitted transformer alike: the right name with the wrong item type.</summary>
    private sealed class DoubleRow
    {
        [VectorType(SyntheticData.Width)]
        public double[] Features { get; set; } = new double[SyntheticData.Width];
    }

    /// <summary>Each configuration, by a readable name (the name shows in the test list).</summary>
    private static readonly Dictionary<string, Action<AutoencoderOptions>> Configurations = new()
    {
        ["all outputs"] = _ => { },
        ["encoded only"] = o => { o.ReconstructionColumnName = null; o.ReconstructionErrorColumnName = null; },
        ["reconstruction only"] = o => { o.EncodedColumnName = null; o.ReconstructionErrorColumnName = null; },
        ["error only"] = o => { o.EncodedColumnName = null; o.ReconstructionColumnName = null; },
        ["reconstruction replaces input"] = o => o.ReconstructionColumnName = "Features",
        ["deep tanh, linear output"] = o =>
        {
            o.HiddenLayerSizes = [10, 7];
            o.HiddenActivation = AutoencoderActivation.Tanh;
            o.CodeActivation = AutoencoderActivation.Relu;
            o.OutputActivation = AutoencoderActivation.Linear;
        },
    };

    public static TheoryData<string> ConfigurationNames => new(Configurations.Keys);

    [Theory]
    [MemberData(nameof(ConfigurationNames))]
    public void EstimatorPassesWorkout(string configuration)
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 3);
        Configurations[configuration](options);
        var valid = SyntheticData.DataView(ml, 64);
        var invalid = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(_ => new DoubleRow()));

        EstimatorWorkout.Run(ml.Transforms.Autoencoder(options), valid, invalid);
    }
}
