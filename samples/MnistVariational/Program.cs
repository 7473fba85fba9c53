// A variational autoencoder on MNIST, the PyTorch examples' VAE (784-400-20, ReLU, a Bernoulli likelihood on the
// pixels, 10 epochs) trained as an ML.NET pipeline stage, with batch 64 and Adam from 2e-3 annealed by a cosine to 0
// where the example keeps 1e-3 and batch 128. Prints the test negative ELBO in nats
// per image (one latent draw per image, as the PyTorch example's test loss), saves the model with mlContext.Model.Save,
// reloads it, and from the reloaded model draws:
//   vae-samples.png        96 digits decoded from points drawn from the prior N(0, I)
//   vae-interpolation.png  between two test digits: linear (top) and spherical (bottom) paths through the latent space
// and from a second VAE with a 2-D latent:
//   vae-manifold.png       the decoded grid of latent points over [-2.5, 2.5]²
//   vae-latent-scatter.png the test digits' latent means, coloured by digit (legend on the right)
//
//   dotnet run --project samples/MnistVariational -c Release [-- --epochs N --train-rows N --test-rows N --output DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Variational;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Samples;
using MnistVariational;

if (!SampleStartup.TryStart(args, out SampleOptions options, out MnistFiles files, out int exitCode)) return exitCode;

const int Pixels = MnistSplit.PixelsPerImage;
var mlContext = new MLContext(seed: 1);
Console.WriteLine($"MNIST from {files.Directory}");
MnistSplit train = MnistData.Read(files.TrainImages, files.TrainLabels, options.TrainRows);
MnistSplit test = MnistData.Read(files.TestImages, files.TestLabels, options.TestRows);

AutoencoderOptions Vae(int latentSize, string name) => new()
{
    InputColumnName = MnistData.FeaturesColumnName,
    EncodedColumnName = "Latent",
    NegativeElboColumnName = "NegativeElbo",
    HiddenLayerSizes = [400],
    CodeSize = latentSize,
    Loss = AutoencoderLoss.BinaryCrossEntropy,
    OutputActivation = AutoencoderActivation.Sigmoid,
    // PyTorch's nn.Linear draws weights from U(±1/√fan_in); the same here, so the comparison is of the same model.
    WeightInitialization = AutoencoderWeightInitialization.FanInUniform,
    // The same ten epochs as the PyTorch example, spent better: twice its steps, a larger first step, a cosine down to
    // zero (see docs/variational-autoencoders.md for the figures of each choice).
    BatchSize = 64,
    LearningRate = 2e-3f,
    LearningRateSchedule = new CosineSchedule(options.Epochs),
    Epochs = options.Epochs,
    Seed = 1,
    // The training loss is per pixel; × 784 gives nats per image, the KL term included.
    EpochCompleted = e => Console.WriteLine($"   {name} epoch {e.Epoch,3}/{options.Epochs}: training negative ELBO {(e.TrainingLoss + e.Penalty) * Pixels:F2} nats/image  ({e.Seconds:F1} s)"),
};

Console.WriteLine($"Training the 784-400-20 VAE on {train.Count} digits:");
var clock = Stopwatch.StartNew();
var vae = mlContext.Transforms.VariationalAutoencoder(Vae(20, "VAE")).Fit(train.ToDataView());
double seconds = clock.Elapsed.TotalSeconds;
double testElbo = vae.Model.Variational.MeanNegativeElbo(test.Pixels, test.Count, samples: 1, seed: 1, threads: Environment.ProcessorCount);
Console.WriteLine($"Test negative ELBO: {testElbo:F2} nats per image (one latent draw each; the PyTorch example reports ≈ 104–105.6 after 10 epochs); training took {seconds:F1} s.");

// The model goes through a file and back, as a service would get it; everything below uses the reloaded one.
Directory.CreateDirectory(options.OutputDirectory);
string modelPath = Path.Combine(options.OutputDirectory, "mnist-vae.zip");
mlContext.Model.Save(vae, train.ToDataView().Schema, modelPath);
var generator = AutoencoderTransformer.LoadFromModelFile(modelPath).Model.Variational;
Console.WriteLine($"Saved and reloaded {modelPath} ({new FileInfo(modelPath).Length / 1024} KB).");

var (samples, _) = generator.Sample(96, seed: 2024);
var sampleRows = Enumerable.Range(0, 8).Select(r => (IReadOnlyList<float[]>)Enumerable.Range(0, 12).Select(c => samples[((r * 12 + c) * Pixels)..((r * 12 + c + 1) * Pixels)]).ToList()).ToArray();
string samplesPath = Path.Combine(options.OutputDirectory, "vae-samples.png");
ImageGridPlot.Write(samplesPath, sampleRows, 28, 28, 1, "96 digits decoded from the prior N(0, I)", "sample", "sample");
Console.WriteLine($"96 digits drawn from the prior: {samplesPath}");

// Between a 3 and a 7 of the test set (the first of each), ends included: the originals at both ends of each row.
float[] from = test.Image(Array.IndexOf(test.Labels, (byte)3)).ToArray(), to = test.Image(Array.IndexOf(test.Labels, (byte)7)).ToArray();
List<float[]> Strip(InterpolationPath path)
{
    float[] steps = generator.Interpolate(from, to, 10, path);
    return [from, .. Enumerable.Range(0, 10).Select(s => steps[(s * Pixels)..((s + 1) * Pixels)]), to];
}
string interpolationPath = Path.Combine(options.OutputDirectory, "vae-interpolation.png");
ImageGridPlot.Write(interpolationPath, [Strip(InterpolationPath.Linear), Strip(InterpolationPath.Spherical)], 28, 28, 1,
    "From a 3 to a 7 through the latent space", "step (ends: the test digits)", "spherical        linear");
Console.WriteLine($"Interpolation from a 3 to a 7 (linear, then spherical): {interpolationPath}");

Console.WriteLine($"Training a VAE with a 2-D latent, to draw its whole latent space:");
var flat = mlContext.Transforms.VariationalAutoencoder(Vae(2, "2-D VAE")).Fit(train.ToDataView()).Model.Variational;
Console.WriteLine($"2-D latent: test negative ELBO {flat.MeanNegativeElbo(test.Pixels, test.Count, samples: 1, seed: 1, threads: Environment.ProcessorCount):F2} nats per image.");
const int Grid = 15;
const float Extent = 2.5f;
var points = new float[Grid * Grid * 2];
for (int row = 0; row < Grid; row++)
for (int column = 0; column < Grid; column++)
{
    // Top row is the largest z₂, as on a plot's y axis.
    points[(row * Grid + column) * 2] = -Extent + 2 * Extent * column / (Grid - 1);
    points[(row * Grid + column) * 2 + 1] = Extent - 2 * Extent * row / (Grid - 1);
}
float[] manifold = flat.Decode(points, Grid * Grid);
var manifoldRows = Enumerable.Range(0, Grid).Select(r => (IReadOnlyList<float[]>)Enumerable.Range(0, Grid).Select(c => manifold[((r * Grid + c) * Pixels)..((r * Grid + c + 1) * Pixels)]).ToList()).ToArray();
string manifoldPath = Path.Combine(options.OutputDirectory, "vae-manifold.png");
ImageGridPlot.Write(manifoldPath, manifoldRows, 28, 28, 1, $"Decoded latent grid over [-{Extent}, {Extent}]²", "z₁", "z₂");
Console.WriteLine($"The decoded latent grid over [-{Extent}, {Extent}]²: {manifoldPath}");

string scatterPath = Path.Combine(options.OutputDirectory, "vae-latent-scatter.png");
CodeScatterPlot.Write(scatterPath, flat.EncodeMeans(test.Pixels, test.Count, Environment.ProcessorCount), 2,
    test.Labels.Select(digit => digit.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), "Test digits' latent means");
Console.WriteLine($"The test digits' latent means, coloured by digit: {scatterPath}");
return 0;
