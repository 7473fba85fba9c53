// Sparse codes on MNIST: the Keras blog's 784-32-784 autoencoder (ReLU code, sigmoid output, per-pixel binary
// cross-entropy) trained twice — plain, and with an L1 activity penalty of 1e-4 on the code — then the same ML.NET
// classifier on each set of codes. Prints both accuracies, the test cross-entropies (the figures
// docs/regularized-autoencoders.md compares with the blog's) and how sparse each code is, and writes both
// row-normalized confusion matrices as PNG heatmaps. --deep-epochs N adds the blog's deep 784-128-64-32 model.
//
//   dotnet run --project samples/MnistSparseCodes -c Release [-- --epochs N --train-rows N --test-rows N --deep-epochs N --output DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Samples;
using MnistSparseCodes;

if (!SampleStartup.TryStart(args, out SampleOptions options, out MnistFiles files, out int exitCode)) return exitCode;

const float SparsityL1 = 1e-4f; // the Keras blog's activity_regularizer=l1(10e-5)
var mlContext = new MLContext(seed: 1);
var train = MnistData.Read(files.TrainImages, files.TrainLabels, options.TrainRows);
var test = MnistData.Read(files.TestImages, files.TestLabels, options.TestRows);
Console.WriteLine($"MNIST from {files.Directory}: {train.Count} training, {test.Count} test images; {Environment.ProcessorCount} cores");
var trainView = train.ToDataView();
var testView = test.ToDataView();

AutoencoderOptions Keras(int[] hidden, int epochs, float sparsityL1) => new()
{
    InputColumnName = MnistData.FeaturesColumnName,
    EncodedColumnName = "Code",
    HiddenLayerSizes = hidden,
    CodeSize = 32,
    HiddenActivation = AutoencoderActivation.Relu,
    CodeActivation = AutoencoderActivation.Relu,
    OutputActivation = AutoencoderActivation.Sigmoid,
    Loss = AutoencoderLoss.BinaryCrossEntropy,
    Optimizer = AutoencoderOptimizer.Adam,
    LearningRate = 1e-3f,
    BatchSize = 256,
    Epochs = epochs,
    SparsityL1 = sparsityL1,
    Seed = 1,
};

var results = new List<(string Name, int Epochs, double Seconds, double Bce, double Accuracy, double MeanActivation, double NearZero)>();

(AutoencoderTransformer Model, double Seconds) Train(string name, AutoencoderOptions autoencoderOptions)
{
    Console.WriteLine($"Training {name} for {autoencoderOptions.Epochs} epochs ...");
    autoencoderOptions.EpochCompleted = e =>
    {
        if (e.Epoch == 1 || e.Epoch % 10 == 0 || e.Epoch == autoencoderOptions.Epochs)
            Console.WriteLine($"   epoch {e.Epoch,3}: loss {e.TrainingLoss:F5} + penalty {e.Penalty:F5}  ({e.Seconds:F1} s)");
    };
    var clock = Stopwatch.StartNew();
    var model = mlContext.Transforms.Autoencoder(autoencoderOptions).Fit(trainView);
    return (model, clock.Elapsed.TotalSeconds);
}

var confusion = new Dictionary<string, double[][]>();
foreach (var (name, l1) in new[] { ("plain", 0f), ("sparse", SparsityL1) })
{
    var (model, seconds) = Train($"{name} 784-32-784", Keras([], options.Epochs, l1));
    double bce = CodeStatistics.TestCrossEntropy(model.Model, test.Pixels, test.Count);
    var (meanActivation, nearZero) = CodeStatistics.Sparsity(model.Model, test.Pixels, test.Count);
    var metrics = CodeClassifier.TrainAndEvaluate(mlContext, model.Transform(trainView), model.Transform(testView), "Code");
    confusion[name] = RowNormalize(metrics.ConfusionMatrix.Counts);
    results.Add(($"{name} 784-32-784", options.Epochs, seconds, bce, metrics.MicroAccuracy, meanActivation, nearZero));
}

if (options.DeepEpochs > 0)
{
    var (deep, seconds) = Train("deep 784-128-64-32", Keras([128, 64], options.DeepEpochs, 0f));
    double bce = CodeStatistics.TestCrossEntropy(deep.Model, test.Pixels, test.Count);
    var (meanActivation, nearZero) = CodeStatistics.Sparsity(deep.Model, test.Pixels, test.Count);
    var metrics = CodeClassifier.TrainAndEvaluate(mlContext, deep.Transform(trainView), deep.Transform(testView), "Code");
    results.Add(("deep 784-128-64-32", options.DeepEpochs, seconds, bce, metrics.MicroAccuracy, meanActivation, nearZero));
}

foreach (var (name, rates) in confusion)
{
    string path = Path.Combine(options.OutputDirectory, $"confusion-{name}.png");
    string[] digits = Enumerable.Range(0, rates.Length).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    FeatureErrorHeatmapPlot.Write(path, rates.SelectMany(row => row.Select(rate => (float)rate)).ToArray(), rates.Length, digits,
        $"Confusion of the classifier on {name} codes", "share of the true digit", width: 700, height: 600,
        rowNames: digits, xLabel: "predicted digit", yLabel: "true digit");
    Console.WriteLine($"Wrote {path}");
}

Console.WriteLine();
Console.WriteLine($"Same classifier (SDCA maximum entropy, {CodeClassifier.MaximumIterations} iterations) on each 32-value code:");
Console.WriteLine($"{"model",-20} {"epochs",6} {"train s",8} {"test BCE",9} {"accuracy",9} {"mean |code|",12} {"|code|<0.01",12}");
foreach (var r in results)
    Console.WriteLine($"{r.Name,-20} {r.Epochs,6} {r.Seconds,8:F0} {r.Bce,9:F4} {r.Accuracy,9:P2} {r.MeanActivation,12:F3} {r.NearZero,12:P1}");
Console.WriteLine($"Accuracy without sparsity: {results[0].Accuracy:P2}; with L1 {SparsityL1:G} sparsity: {results[1].Accuracy:P2}");
return 0;

// Each row of a confusion matrix divided by its sum (all-zero rows stay zero): the share of each true digit given each prediction.
static double[][] RowNormalize(IReadOnlyList<IReadOnlyList<double>> counts) =>
    counts.Select(row =>
    {
        double sum = row.Sum();
        return row.Select(c => sum > 0 ? c / sum : 0).ToArray();
    }).ToArray();
