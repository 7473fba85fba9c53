namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>The options of a sample that trains on MNIST's training images and evaluates on its test images.</summary>
internal abstract class MnistSampleOptions : SampleCommonOptions
{
    /// <summary>How many training images to use, or null for all 60,000.</summary>
    public int? TrainRows { get; internal set; }

    /// <summary>How many test images to use, or null for all 10,000.</summary>
    public int? TestRows { get; internal set; }
}

/// <summary>Declares <see cref="MnistSampleOptions"/>' two options, the same for every MNIST sample.</summary>
internal static class MnistSampleCommandLine
{
    /// <summary>Adds --train-rows and --test-rows; <paramref name="testRowsHelp"/> says what the sample does with the test images.</summary>
    public static SampleCommandLine<TOptions> TrainAndTestRows<TOptions>(this SampleCommandLine<TOptions> commandLine,
        string testRowsHelp = "use only the first N of the 10,000 test images (default: all)")
        where TOptions : MnistSampleOptions, new() =>
        commandLine
            .Integer("--train-rows", "use only the first N of the 60,000 training images (default: all)", (o, v) => o.TrainRows = v)
            .Integer("--test-rows", testRowsHelp, (o, v) => o.TestRows = v);
}
