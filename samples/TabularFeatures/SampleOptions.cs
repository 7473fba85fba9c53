using Microsoft.ML.Autoencoders.Samples;

namespace TabularFeatures;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : SampleCommonOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("TabularFeatures", "tabular-features.md (the table printed) goes",
                "folder holding digits.csv, wine.csv and breast_cancer.csv (default: <repository>/artifacts/data/sklearn-tables,\n" +
                "made by build/fetch-sklearn-tables.sh)")
            .Integer("--max-rows", "use at most N rows of each table, drawn at random with the seed (default: all)", (o, v) => o.MaxRows = v)
            .Integer("--folds", "cross-validation folds (default 5)", (o, v) => o.Folds = v, minimum: 2)
            .Integer("--seed", "seeds the folds, the draw of rows, PCA and the autoencoder (default 1)", (o, v) => o.Seed = v, minimum: 0)
            .Quick("--max-rows", "150", "--folds", "2");

    /// <summary>At most this many rows of each table, or null for all.</summary>
    public int? MaxRows { get; private set; }

    /// <summary>Cross-validation folds.</summary>
    public int Folds { get; private set; } = 5;

    /// <summary>Seeds everything random.</summary>
    public int Seed { get; private set; } = 1;
}
