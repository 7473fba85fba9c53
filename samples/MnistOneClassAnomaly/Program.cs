// MNIST's one-class protocol (Ruff et al., ICML 2018): for each digit, train on that digit's training images only,
// score all 10,000 test images, and call the other nine digits anomalies. The autoencoder detector
// (mlContext.AnomalyDetection.Trainers.Autoencoder) and its variational kind, scored by the negative ELBO, run beside
// ML.NET's RandomizedPca on the same data; all are evaluated by mlContext.AnomalyDetection.Evaluate and by the AUC's
// definition, which must agree.
//
//   dotnet run --project samples/MnistOneClassAnomaly -c Release [-- --digits 0,1 --epochs N --train-rows N --test-rows N]
//   (--quick: a smoke run in seconds; --help lists every option)
//
// With --contamination F a fraction F of each digit's training rows are images of the other digits (the training data
// a real pipeline gets), and --trim F trains the detector robustly (AutoencoderOptions.TrimmedFraction). --network conv
// makes the autoencoder detector the Keras blog's convolutional network instead of the dense 784-128-16.

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;
using MnistOneClassAnomaly;

if (!SampleStartup.TryStart(args, out SampleOptions options, out MnistFiles files, out int exitCode)) return exitCode;

const int Pixels = MnistSplit.PixelsPerImage;
var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);
MnistSplit train = MnistData.Read(files.TrainImages, files.TrainLabels);
MnistSplit test = MnistData.Read(files.TestImages, files.TestLabels, options.TestRows);
Console.WriteLine($"MNIST from {files.Directory}: {train.Count} training and {test.Count} test images");
Console.WriteLine($"Detector: {Detector.Describe(options.Network)}, {options.Epochs} epochs, trimmed fraction {options.Trim}, seed {options.Seed}; baseline: RandomizedPca(rank: {options.PcaRank})");
if (options.Contamination > 0) Console.WriteLine($"Training rows: {options.Contamination:P0} drawn from the other digits");
Console.WriteLine();

var curves = new List<(string Name, RocCurve Curve)>();
var rows = new List<(int Digit, double Ours, double OursByEvaluate, double Vae, double Pca, double PcaByEvaluate, int TrainRows, double Seconds)>();
foreach (int digit in options.Digits)
{
    var digitClock = Stopwatch.StartNew();
    // The normal class's training images (and any contaminating ones), GCN'd, and the min-max scaling they define.
    int[] normal = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == digit).Take(options.TrainRows ?? int.MaxValue).ToArray();
    // Contamination: enough other-digit images that they make up the asked fraction of the training rows.
    int contaminating = (int)Math.Round(options.Contamination * normal.Length / (1 - options.Contamination));
    var draw = new Random(options.Seed * 10 + digit);
    int[] others = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] != digit).OrderBy(_ => draw.Next()).Take(contaminating).ToArray();
    int[] trainRows = normal.Concat(others).ToArray();
    float[] trainPixels = new float[trainRows.Length * Pixels];
    for (int k = 0; k < trainRows.Length; k++) train.Image(trainRows[k]).CopyTo(trainPixels.AsSpan(k * Pixels));
    float[] testPixels = (float[])test.Pixels.Clone();
    GlobalContrastNormalization.Apply(trainPixels, Pixels);
    GlobalContrastNormalization.Apply(testPixels, Pixels);
    var range = GlobalContrastNormalization.Range(trainPixels);
    GlobalContrastNormalization.Scale(trainPixels, range);
    GlobalContrastNormalization.Scale(testPixels, range);

    IDataView trainView = mlContext.Data.LoadFromEnumerable(ImageRow.From(trainPixels, _ => 0f));
    IDataView testView = mlContext.Data.Cache(mlContext.Data.LoadFromEnumerable(ImageRow.From(testPixels, i => test.Labels[i] == digit ? 0f : 1f)));
    bool[] anomalies = test.Labels.Select(label => label != digit).ToArray();

    var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(Detector.Options(options.Network, options.Epochs, options.Trim, options.Seed)).Fit(trainView);
    IDataView ours = mlContext.Data.Cache(detector.Transform(testView));
    var oursCurve = RocCurve.Compute(ours.GetColumn<float>("Score").ToList(), anomalies);
    double oursByEvaluate = mlContext.AnomalyDetection.EvaluateAutoencoder(ours).AreaUnderRocCurve;

    // The variational detector on the same rows, scored by the negative ELBO.
    var vae = mlContext.AnomalyDetection.Trainers.Autoencoder(Detector.VariationalOptions(options.Epochs, options.Seed)).Fit(trainView);
    IDataView vaeScored = mlContext.Data.Cache(vae.Transform(testView));
    var vaeCurve = RocCurve.Compute(vaeScored.GetColumn<float>("Score").ToList(), anomalies);
    double vaeByEvaluate = mlContext.AnomalyDetection.EvaluateAutoencoder(vaeScored).AreaUnderRocCurve;

    var pca = mlContext.AnomalyDetection.Trainers.RandomizedPca(rank: options.PcaRank, seed: 1).Fit(trainView);
    IDataView pcaScored = mlContext.Data.Cache(pca.Transform(testView));
    var pcaCurve = RocCurve.Compute(pcaScored.GetColumn<float>("Score").ToList(), anomalies);
    double pcaByEvaluate = mlContext.AnomalyDetection.Evaluate(pcaScored).AreaUnderRocCurve;

    curves.Add(($"digit {digit}", oursCurve));
    rows.Add((digit, oursCurve.Area, oursByEvaluate, vaeCurve.Area, pcaCurve.Area, pcaByEvaluate, trainRows.Length, digitClock.Elapsed.TotalSeconds));
    Console.WriteLine($"digit {digit}: {trainRows.Length} training images ({others.Length} of other digits), AUC autoencoder {100 * oursCurve.Area:F1}  VAE {100 * vaeCurve.Area:F1}  RandomizedPca {100 * pcaCurve.Area:F1}  ({digitClock.Elapsed.TotalSeconds:F0} s)");

    // Evaluate's AUC and the definition's must agree, or one of them is being fed the wrong thing.
    if (Math.Abs(oursByEvaluate - oursCurve.Area) > 1e-4 || Math.Abs(vaeByEvaluate - vaeCurve.Area) > 1e-4 || Math.Abs(pcaByEvaluate - pcaCurve.Area) > 1e-4)
    {
        Console.Error.WriteLine($"AUC mismatch for digit {digit}: Evaluate {oursByEvaluate:F6} / {vaeByEvaluate:F6} / {pcaByEvaluate:F6}, definition {oursCurve.Area:F6} / {vaeCurve.Area:F6} / {pcaCurve.Area:F6}.");
        return 3;
    }
}

Console.WriteLine();
Console.WriteLine("One-class MNIST, AUC % (normal digit → the other nine are anomalies)");
Console.WriteLine();
Console.WriteLine($"| Normal digit | {(options.Network == DetectorNetwork.Conv ? "Conv autoencoder" : "Autoencoder")} (ours) | VAE, negative ELBO (ours) | RandomizedPca | One-class Deep SVDD (Ruff et al.) |");
Console.WriteLine("|---:|---:|---:|---:|---:|");
foreach (var row in rows)
    Console.WriteLine($"| {row.Digit} | {100 * row.Ours:F1} | {100 * row.Vae:F1} | {100 * row.Pca:F1} | {PaperResults.DeepSvdd[row.Digit]:F1} |");
Console.WriteLine($"| mean | {100 * rows.Average(r => r.Ours):F1} | {100 * rows.Average(r => r.Vae):F1} | {100 * rows.Average(r => r.Pca):F1} | {rows.Average(r => PaperResults.DeepSvdd[r.Digit]):F1} |");
Console.WriteLine();
Console.WriteLine($"Ruff et al.'s DCAE row averages {PaperResults.DcaeMeanCommonlyQuoted} (commonly quoted mean over all ten digits); their Deep SVDD mean is {PaperResults.DeepSvddMean}.");
Console.WriteLine("Evaluate's AUC matched the AUC computed from its definition for every digit and all three models.");

string plotPath = Path.Combine(options.OutputDirectory, "roc-curves.png");
RocCurvePlot.WriteCurves(plotPath, curves, "Autoencoder detector, one normal digit at a time");
Console.WriteLine($"ROC curves (the autoencoder detector, one curve per normal digit; dashed: chance): {plotPath}");
Console.WriteLine($"Wall time: {clock.Elapsed.TotalSeconds:F0} s");
return 0;
