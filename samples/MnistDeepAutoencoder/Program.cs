// MNIST with a deep autoencoder: train 784-256-64-256-784 on the training digits, report how well it
// reconstructs the test digits, then ask whether its 64-number codes are good features by training the
// same ML.NET classifier on raw pixels, on the codes, and on PCA(64) — the best linear 64-number code.
// Finally draw test digits above their reconstructions.
//
//   dotnet run --project samples/MnistDeepAutoencoder -c Release [-- --epochs N --train-rows N --test-rows N --output DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;
using MnistDeepAutoencoder;

if (!SampleStartup.TryStart(args, out SampleOptions options, out MnistFiles files, out int exitCode)) return exitCode;

const int CodeSize = 64;
const int PictureDigits = 16;
var mlContext = new MLContext(seed: 1);
var stages = new StageTable();

Console.WriteLine($"MNIST from {files.Directory}");
var (train, test) = stages.Run(
    "Load MNIST",
    $"{(options.TrainRows is int trainLimit ? $"first {trainLimit}" : "60000")} train + {(options.TestRows is int testLimit ? $"first {testLimit}" : "10000")} test",
    () => (MnistData.Read(files.TrainImages, files.TrainLabels, options.TrainRows),
           MnistData.Read(files.TestImages, files.TestLabels, options.TestRows)));
IDataView trainView = train.ToDataView();
IDataView testView = test.ToDataView();
string trainRows = $"{train.Count} / {test.Count}";

var autoencoderOptions = new AutoencoderOptions
{
    InputColumnName = MnistData.FeaturesColumnName,
    EncodedColumnName = "Encoded",
    ReconstructionColumnName = "Reconstruction",
    ReconstructionErrorColumnName = "ReconstructionError",
    HiddenLayerSizes = [256],
    CodeSize = CodeSize,
    HiddenActivation = AutoencoderActivation.Relu,
    CodeActivation = AutoencoderActivation.Linear,
    // Pixels are in [0, 1]: a sigmoid output with cross-entropy treats each one as an ink probability.
    OutputActivation = AutoencoderActivation.Sigmoid,
    Loss = AutoencoderLoss.BinaryCrossEntropy,
    Optimizer = AutoencoderOptimizer.Adam,
    LearningRate = 1e-3f,
    BatchSize = 128,
    Epochs = options.Epochs,
    Seed = 1,
    EpochCompleted = epoch => Console.WriteLine(
        $"   epoch {epoch.Epoch,3}/{options.Epochs}: training loss {epoch.TrainingLoss:F5}  ({epoch.Seconds:F1} s)"),
};

AutoencoderTransformer autoencoder = stages.Run(
    $"Train autoencoder 784-256-{CodeSize}-256-784, {options.Epochs} epochs",
    $"{train.Count}",
    () => mlContext.Transforms.Autoencoder(autoencoderOptions).Fit(trainView));

// Score the test set once and keep it: the error, the picture and the classifier all read from it.
IDataView scoredTest = mlContext.Data.Cache(autoencoder.Transform(testView));
double testError = stages.Run(
    "Reconstruct test digits (mean per-row MSE)",
    $"{test.Count}",
    () => scoredTest.GetColumn<float>("ReconstructionError").Average(),
    error => $"test reconstruction MSE {error:F5}");

string picturePath = Path.Combine(options.OutputDirectory, "mnist-reconstructions.png");
stages.Run(
    $"Draw {PictureDigits} test digits and reconstructions",
    $"{PictureDigits}",
    () =>
    {
        IDataView firstRows = mlContext.Data.TakeRows(scoredTest, PictureDigits);
        var reconstructions = firstRows.GetColumn<float[]>("Reconstruction").ToList();
        var originals = Enumerable.Range(0, reconstructions.Count).Select(i => test.Image(i).ToArray()).ToList();
        ImageGridPlot.WriteReconstructions(picturePath, originals, reconstructions, 28, 28, title: "Test digits (top) and their reconstructions (bottom)");
        return picturePath;
    },
    path => path);

// The training history's loss per epoch: whether training had converged or more epochs would help.
if (autoencoder.Model.TrainingHistory is { Epochs.Count: > 0 } history)
    LossCurvePlot.Write(Path.Combine(options.OutputDirectory, "mnist-loss.png"), history.Epochs, $"Autoencoder 784-256-{CodeSize}-256-784: loss per epoch");

double rawAccuracy = stages.Run(
    "SDCA on raw pixels (784)",
    trainRows,
    () => DigitClassifier.TrainAndEvaluate(mlContext, trainView, testView, MnistData.FeaturesColumnName),
    Accuracy);

double codeAccuracy = stages.Run(
    $"SDCA on autoencoder codes ({CodeSize})",
    trainRows,
    () => DigitClassifier.TrainAndEvaluate(mlContext, autoencoder.Transform(trainView), scoredTest, "Encoded"),
    Accuracy);

var pca = stages.Run(
    $"Fit PCA({CodeSize}) on training pixels",
    $"{train.Count}",
    () => mlContext.Transforms.ProjectToPrincipalComponents("Pca", MnistData.FeaturesColumnName, rank: CodeSize, seed: 1).Fit(trainView));

double pcaAccuracy = stages.Run(
    $"SDCA on PCA({CodeSize}) projections",
    trainRows,
    () => DigitClassifier.TrainAndEvaluate(mlContext, pca.Transform(trainView), pca.Transform(testView), "Pca"),
    Accuracy);

stages.Print();
Console.WriteLine();
Console.WriteLine($"Test reconstruction MSE: {testError:F5}");
Console.WriteLine($"Test accuracy, same classifier (SDCA maximum entropy, {DigitClassifier.MaximumIterations} iterations):");
Console.WriteLine($"  raw pixels (784)      {rawAccuracy:P2}");
Console.WriteLine($"  autoencoder code (64) {codeAccuracy:P2}");
Console.WriteLine($"  PCA (64)              {pcaAccuracy:P2}");
Console.WriteLine($"Reconstructions: {picturePath}");
return 0;

static string Accuracy(double accuracy) => $"test accuracy {accuracy:P2}";
