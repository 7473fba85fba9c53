using Microsoft.ML.Autoencoders.Samples;

namespace SeriesAnomaly;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : SampleCommonOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("SeriesAnomaly", "series-anomaly.png goes",
                "folder holding elnino.csv and macro.csv (default: artifacts/data/series above the working folder or the\n" +
                "program, made by build/fetch-series.sh)")
            .Integer("--epochs", "training epochs of the three El Niño autoencoder detectors (default 60)", (o, v) => o.Epochs = v)
            .Integer("--macro-epochs", "training epochs of the US-macro detector (default 150)", (o, v) => o.MacroEpochs = v)
            .Add("--plot", "PATH", "write the El Niño plot here instead (default: <output>/series-anomaly.png)",
                (o, path) => o.PlotPath = Path.GetFullPath(path))
            .Quick("--epochs", "2", "--macro-epochs", "2");

    /// <summary>Training epochs of the LSTM, LSTM sequence-to-sequence and Conv1d El Niño detectors.</summary>
    public int Epochs { get; private set; } = 60;

    /// <summary>Training epochs of the multivariate detector.</summary>
    public int MacroEpochs { get; private set; } = 150;

    /// <summary>--plot, or null for series-anomaly.png in the output folder.</summary>
    public string? PlotPath { get; private set; }
}
