namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// Mistakes on the command line are told as docs/cli.md promises: one line on stderr starting with "error:", naming the
/// option as the user typed it, exit code 1, and nothing on stdout (a script's output stays clean).
/// </summary>
public sealed class OptionErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-options-").FullName;

    public OptionErrorTests() => TestData.WritePlaneCsv(Csv, rows: 60, anomalies: 3);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Csv => In("data.csv");

    private string In(string name) => Path.Combine(_folder, name);

    private ToolRun Train(params string[] more) => ToolRun.Of(["train", "-d", Csv, "--exclude", "id,label", "-o", In("m.zip"), .. more]);

    private static void OneUsageLine(ToolRun run, string message)
    {
        run.Failed(ExitCodes.Usage, message);
        string[] lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), $"stderr is not one 'error:' line: {run.Error}");
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void Parse_errors_are_one_error_line_without_the_help_on_stdout()
    {
        OneUsageLine(Train("--bogus"), "'--bogus'");
        OneUsageLine(ToolRun.Of("trian"), "'trian'");
        OneUsageLine(ToolRun.Of("train", "-d", Csv), "--output");
    }

    [Fact]
    public void A_value_outside_a_choice_list_is_one_line_listing_the_choices()
    {
        var run = Train("--kind", "bogus");
        OneUsageLine(run, "'bogus'");
        Assert.Contains("'dense', 'denoising', 'sparse'", run.Error);
        OneUsageLine(Train("--hidden-activation", "swish"), "'gelu', 'silu'");
    }

    [Fact]
    public void Help_still_works_and_is_not_an_error()
    {
        var run = ToolRun.Of("train", "--help");
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("--code-size", run.Out);
        Assert.Equal(ExitCodes.Success, ToolRun.Of("plot", "roc", "--help").ExitCode);
    }

    [Theory]
    [InlineData("--epochs", "many", "--epochs takes a whole number of at least 1, not 'many'")]
    [InlineData("--epochs", "0", "--epochs takes a whole number of at least 1, not '0'")]
    [InlineData("--batch-size", "2.5", "--batch-size takes a whole number of at least 1, not '2.5'")]
    [InlineData("--code-size", "0", "--code-size takes a whole number of at least 1, not '0'")]
    [InlineData("--threads", "0", "--threads takes a whole number of at least 1, not '0'")]
    [InlineData("--lr", "-1", "--learning-rate takes a number above 0, not '-1'")]
    [InlineData("--validation", "1.5", "--validation takes a fraction in [0, 1), not '1.5'")]
    [InlineData("--patience", "-2", "--patience takes a whole number of at least 0, not '-2'")]
    public void A_bad_number_names_the_option_and_what_it_takes(string option, string value, string message) =>
        OneUsageLine(Train(option, value), message);

    [Fact]
    public void A_negative_score_threshold_is_a_usage_error_for_a_detector_and_a_plain_autoencoder()
    {
        // Scores are never below 0: a plain autoencoder would flag every row, a detector's library refuse in its own words.
        Train("--epochs", "1").Succeeded();
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("d.zip"), "--epochs", "1", "--detector").Succeeded();

        foreach (string model in new[] { In("m.zip"), In("d.zip") })
            OneUsageLine(ToolRun.Of("score", model, "-d", Csv, "--exclude", "id,label", "-o", In("s.csv"), "--threshold", "-0.5"),
                "--threshold takes a number of 0 or more, not '-0.5'");
    }

    [Fact]
    public void Plot_rows_below_one_is_refused_by_the_option_itself()
    {
        // The option's own bound refuses it when the command line is read, before the model or data are opened.
        OneUsageLine(ToolRun.Of("plot", "errors", In("absent.zip"), "-d", Csv, "--rows", "0", "-o", In("e.png")), "--rows takes a whole number of at least 1, not '0'");
    }

    [Fact]
    public void A_library_range_error_is_one_line()
    {
        // The library's ArgumentOutOfRangeException adds "(Parameter ...)" and a second line "Actual value was ...".
        OneUsageLine(Train("--detector", "--contamination", "0.9"), "Contamination is 0.9");
    }

    [Fact]
    public void Features_named_twice_or_also_excluded_are_usage_errors()
    {
        // Both trained silently before: a model with one column fed twice, or --exclude quietly ignored.
        OneUsageLine(ToolRun.Of("train", "-d", Csv, "--features", "a,b,a", "-o", In("m.zip")), "--features names 'a' twice");
        OneUsageLine(ToolRun.Of("train", "-d", Csv, "--features", "a,b,c", "--exclude", "b", "-o", In("m.zip")), "'b' is in both --features and --exclude");
    }

    [Fact]
    public void An_output_that_is_a_folder_is_refused_before_training()
    {
        // Before, train ran to the end and then failed with "Access to the path ... is denied".
        OneUsageLine(ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", _folder, "--epochs", "1"), $"--output '{_folder}' is a folder");
        Train("--epochs", "1").Succeeded();
        OneUsageLine(ToolRun.Of("export", In("m.zip"), "-o", _folder), "is a folder");
    }

    [Fact]
    public void A_model_zip_cut_short_is_named_as_damaged()
    {
        Train("--epochs", "1").Succeeded();
        byte[] whole = File.ReadAllBytes(In("m.zip"));
        File.WriteAllBytes(In("cut.zip"), whole[..(whole.Length / 2)]);
        ToolRun.Of("info", In("cut.zip")).Failed(ExitCodes.DataOrModel, "cut.zip' is a damaged or incomplete zip file");
    }

    [Fact]
    public void A_dense_code_wider_than_the_data_names_the_option_and_the_kinds_that_allow_it() =>
        // The library's refusal names its own properties (CodeSize, Noise, SparsityL1, DropoutRate) and exits 2 as a data error.
        OneUsageLine(Train("--code-size", "9"), "--code-size 9 is wider than the 6 features");

    [Theory]
    [InlineData("dense", "--noise", "0.2", "--noise and --noise-kind are for --kind denoising")]
    [InlineData("dense", "--noise-kind", "masking", "--noise and --noise-kind are for --kind denoising")]
    [InlineData("contractive", "--sparsity", "0.1", "--sparsity is for --kind sparse")]
    [InlineData("sparse", "--contractive", "0.1", "--contractive is for --kind contractive")]
    [InlineData("dense", "--filters", "8", "--filters is for --kind conv")]
    [InlineData("dense", "--image-size", "8x8", "--image-size and --color are for a folder of images")]
    public void An_option_of_another_kind_is_refused_not_ignored(string kind, string option, string value, string message) =>
        OneUsageLine(Train("--kind", kind, option, value), message);

    [Fact]
    public void A_hidden_activation_without_hidden_layers_is_refused_not_ignored() =>
        OneUsageLine(Train("--hidden-activation", "elu"), "--hidden-activation is applied after each --hidden layer, and --kind dense has none here");

    [Theory]
    [InlineData("gelu")]
    [InlineData("silu")]
    public void The_contractive_kind_refuses_gelu_and_silu_in_the_tools_words(string activation) =>
        OneUsageLine(Train("--kind", "contractive", "--hidden", "4", "--hidden-activation", activation),
            $"--kind contractive cannot use --hidden-activation {activation}");

    [Fact]
    public void An_unknown_hidden_activation_is_a_usage_error_listing_the_choices()
    {
        var run = Train("--hidden", "4", "--hidden-activation", "swish");
        run.Failed(ExitCodes.Usage, "'swish'");
        Assert.Contains("'gelu'", run.Error);
    }
}
