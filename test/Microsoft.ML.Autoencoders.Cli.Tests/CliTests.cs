using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Autoencoders.Cli.Tests.Plotting;

namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// Runs the tool the way a user does — train, then info, encode, score, export and plot on the model it wrote — on small
/// files written here, and checks the outputs and exit codes (0 ok, 1 usage, 2 data or model), including bad files and options.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-cli-").FullName;

    public CliTests() => TestData.WritePlaneCsv(Csv);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Csv => In("data.csv");

    private string In(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Train_info_encode_export_and_plot_an_autoencoder()
    {
        string model = In("model.zip");
        var train = ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", model, "--code-size", "2", "--epochs", "60", "--batch-size", "32", "--validation", "0.2").Succeeded();
        // Plain lines when stdout is not a terminal: one per epoch, with the total, validation loss, speed and ETA.
        Assert.Contains("epoch 60/60", train.Out);
        Assert.Matches(@"epoch 1/60  loss [0-9.]+  val [0-9.]+  [0-9,]+ rows/s  ETA \d:\d\d:\d\d", train.Out);

        var info = ToolRun.Of("info", model).Succeeded();
        Assert.Contains("layers:", info.Out);
        Assert.Contains("6-2-6", info.Out);
        Assert.Contains("a, b, c, d, e, f", info.Out);
        Assert.Contains("epochs:                60", info.Out);

        // The model remembers its feature columns: encode needs no --exclude.
        ToolRun.Of("encode", model, "-d", Csv, "--label", "label", "-o", In("codes.csv")).Succeeded();
        var (header, rows) = TestData.ReadCsv(In("codes.csv"));
        Assert.Equal(["label", "code_1", "code_2"], header);
        Assert.Equal(240, rows.Length);
        float[] firstCode = rows[0].Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        // The ONNX export, read back by the library, encodes the first row to the same code.
        ToolRun.Of("export", model, "-o", In("model.onnx")).Succeeded();
        using (var onnx = File.OpenRead(In("model.onnx")))
        {
            var reloaded = AutoencoderTransformer.LoadOnnx(onnx).Model;
            var firstRow = File.ReadLines(Csv).Skip(1).First().Split(',').Skip(1).Take(6).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(firstCode, reloaded.Encode(firstRow, 1), (x, y) => Math.Abs(x - y) < 1e-5f);
        }

        ToolRun.Of("reconstruct", model, "-d", Csv, "-o", In("rebuilt.csv")).Succeeded();
        Assert.Equal(["a", "b", "c", "d", "e", "f"], TestData.ReadCsv(In("rebuilt.csv")).Header);

        ToolRun.Of("plot", "loss", model, "-o", In("loss.png")).Succeeded();
        Assert.True(PngImage.Read(In("loss.png")).TitleInk() > 50);
        ToolRun.Of("plot", "codes", model, "-d", Csv, "--label", "label", "-o", In("codes.png")).Succeeded();
        Assert.True(PngImage.Read(In("codes.png")).DistinctColours() > 5);
        ToolRun.Of("plot", "errors", model, "-d", Csv, "--rows", "40", "-o", In("errors.png")).Succeeded();
        Assert.True(PngImage.Read(In("errors.png")).TitleInk() > 50);
    }

    [Theory]
    [InlineData("elu", Engine.Activation.Elu)]
    [InlineData("softplus", Engine.Activation.Softplus)]
    [InlineData("gelu", Engine.Activation.Gelu)]
    [InlineData("silu", Engine.Activation.Silu)]
    public void Hidden_activation_reaches_both_hidden_layers_of_the_saved_model(string name, Engine.Activation activation)
    {
        string model = In($"{name}.zip");
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", model, "--hidden", "4", "--code-size", "2", "--hidden-activation", name,
            "--epochs", "5", "--batch-size", "32").Succeeded();

        var layers = AutoencoderTransformer.LoadFromModelFile(model).Model.Spec.Layers;
        Assert.Equal(new[] { activation, activation }, layers.Select(l => l.AppliedActivation).OfType<Engine.Activation>());
    }

    [Fact]
    public void Train_a_detector_then_score_and_plot_its_roc()
    {
        string model = In("detector.zip");
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", model, "--code-size", "2", "--detector", "--contamination", "0.05").Succeeded();
        Assert.Contains("threshold:", ToolRun.Of("info", model).Succeeded().Out);

        ToolRun.Of("score", model, "-d", Csv, "--label", "label", "-o", In("scores.csv")).Succeeded();
        var (header, rows) = TestData.ReadCsv(In("scores.csv"));
        Assert.Equal(["label", "score", "anomaly"], header);
        // Contamination 0.05 of 240 training rows flags about 12; the planted anomalies should be most of them.
        int flagged = rows.Count(r => r[2] == "1"), caught = rows.Count(r => r[2] == "1" && r[0] == "1");
        Assert.InRange(flagged, 8, 16);
        Assert.True(caught >= 8, $"only {caught} of 12 planted anomalies flagged");

        var roc = ToolRun.Of("plot", "roc", model, "-d", Csv, "--label", "label", "-o", In("roc.png")).Succeeded();
        double auc = double.Parse(roc.Out.Split('\n')[0]["AUC ".Length..], CultureInfo.InvariantCulture);
        Assert.True(auc > 0.9, $"AUC {auc}");
        Assert.True(PngImage.Read(In("roc.png")).TitleInk() > 50);
    }

    [Fact]
    public void Variational_model_on_idx_images_samples_and_draws_reconstructions()
    {
        TestData.WriteIdx(In("bars-idx3-ubyte"), In("bars-idx1-ubyte"));
        string model = In("vae.zip");
        ToolRun.Of("train", "-d", In("bars-idx3-ubyte"), "-o", model, "--kind", "variational", "--code-size", "2", "--hidden", "16",
            "--output-activation", "sigmoid", "--epochs", "30", "--batch-size", "16").Succeeded();
        Assert.Contains("image shape:    1×8×8", ToolRun.Of("info", model).Succeeded().Out.Replace("image shape:           ", "image shape:    "));

        ToolRun.Of("sample", model, "-n", "12", "-o", In("samples.csv")).Succeeded();
        Assert.Equal(12, TestData.ReadCsv(In("samples.csv")).Rows.Length);
        ToolRun.Of("sample", model, "-n", "12", "-o", In("samples.png")).Succeeded();
        Assert.True(PngImage.Read(In("samples.png")).TitleInk() > 50);
        ToolRun.Of("plot", "reconstructions", model, "-d", In("bars-idx3-ubyte"), "-o", In("rebuilt.png")).Succeeded();
        Assert.True(PngImage.Read(In("rebuilt.png")).TitleInk() > 50);
        ToolRun.Of("plot", "codes", model, "-d", In("bars-idx3-ubyte"), "--labels", In("bars-idx1-ubyte"), "-o", In("codes.png")).Succeeded();

        // A plain autoencoder cannot sample: a model error, not a usage error.
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("plain.zip"), "--epochs", "2").Succeeded();
        ToolRun.Of("sample", In("plain.zip"), "-o", In("no.csv")).Failed(ExitCodes.DataOrModel, "only a variational one");
    }

    [Fact]
    public void Bad_files_are_data_errors_with_exit_code_2()
    {
        ToolRun.Of("train", "-d", In("missing.csv"), "-o", In("m.zip")).Failed(ExitCodes.DataOrModel, "does not exist");
        ToolRun.Of("info", In("missing.zip")).Failed(ExitCodes.DataOrModel, "does not exist");
        // A CSV given as a model.
        ToolRun.Of("info", Csv).Failed(ExitCodes.DataOrModel, "not an ML.NET model zip");

        File.WriteAllText(In("text.csv"), "a,b\n1,2\n3,oops\n");
        ToolRun.Of("train", "-d", In("text.csv"), "-o", In("m.zip")).Failed(ExitCodes.DataOrModel, "line 3: column 'b' holds 'oops'");
        File.WriteAllText(In("ragged.csv"), "a,b\n1,2\n3\n");
        ToolRun.Of("train", "-d", In("ragged.csv"), "-o", In("m.zip")).Failed(ExitCodes.DataOrModel, "line 3: 1 fields where the header has 2");
        ToolRun.Of("train", "-d", Csv, "--features", "a,zzz", "-o", In("m.zip")).Failed(ExitCodes.DataOrModel, "no column 'zzz'");

        // Data that does not fit the model.
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("m.zip"), "--epochs", "2").Succeeded();
        ToolRun.Of("encode", In("m.zip"), "-d", Csv, "--features", "a,b", "-o", In("x.csv")).Failed(ExitCodes.DataOrModel, "rows of 6 features");
    }

    [Fact]
    public void Bad_options_are_usage_errors_with_exit_code_1()
    {
        Assert.Equal(ExitCodes.Usage, ToolRun.Of("trian", "-d", Csv).ExitCode);
        Assert.Equal(ExitCodes.Usage, ToolRun.Of("train", "-d", Csv).ExitCode); // no --output
        Assert.Equal(ExitCodes.Usage, ToolRun.Of("train", "-d", Csv, "-o", In("m.zip"), "--kind", "fancy").ExitCode);
        Assert.Equal(ExitCodes.Usage, ToolRun.Of("train", "-d", Csv, "-o", In("m.zip"), "--epochs", "many").ExitCode);
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("m.zip"), "--contamination", "0.1").Failed(ExitCodes.Usage, "add --detector");
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("m.zip"), "--kind", "conv").Failed(ExitCodes.Usage, "needs images");
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("m.zip"), "--hidden", "8,x").Failed(ExitCodes.Usage, "--hidden takes positive whole numbers");
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("m.zip"), "--separator", ";;").Failed(ExitCodes.Usage, "--separator takes one character");
        Assert.False(File.Exists(In("m.zip")));
    }

    [Fact]
    public void The_built_tool_runs_as_a_process()
    {
        // `dotnet autoencoder.dll`, as the installed tool runs: the exit code and stderr reach the shell.
        string dll = Path.Combine(AppContext.BaseDirectory, "autoencoder.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { dll, "info", In("missing.zip") }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(ExitCodes.DataOrModel, process.ExitCode);
        Assert.Contains("does not exist", error);
    }
}
