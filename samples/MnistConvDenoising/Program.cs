// Denoising MNIST, the Keras blog's experiment: Gaussian noise of standard deviation 0.5 on every pixel (clipped to
// [0, 1]), and two denoising autoencoders trained to give the clean digit back: a dense one (784-256-64) and a
// convolutional one (ConvolutionBlocks: Conv16-Pool-Conv16-Pool, a code of 16×7×7, mirrored back). Both see fresh noise
// on every epoch; both are scored on the same noisy test digits. Prints PSNR (dB; higher is cleaner) for the noisy
// input and each denoiser, and draws noisy / dense / convolutional / clean rows.
//
//   dotnet run --project samples/MnistConvDenoising -c Release [-- --epochs N --train-rows N --test-rows N --noise S --output DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;
using MnistConvDenoising;

if (!SampleStartup.TryStart(args, out SampleOptions options, out MnistFiles files, out int exitCode)) return exitCode;

const int PictureDigits = 12;
var mlContext = new MLContext(seed: 1);
Console.WriteLine($"MNIST from {files.Directory}");
MnistSplit train = MnistData.Read(files.TrainImages, files.TrainLabels, options.TrainRows);
MnistSplit test = MnistData.Read(files.TestImages, files.TestLabels, options.TestRows);

// The noisy test digits, drawn once from a fixed seed so every run (and both denoisers) sees the same ones.
float[] noisyPixels = (float[])test.Pixels.Clone();
new GaussianNoise(options.Noise, minimum: 0f, maximum: 1f).Apply(noisyPixels, new SeededRandom(7));
var noisyTest = new MnistSplit(noisyPixels, test.Labels);
IDataView trainView = train.ToDataView(), noisyTestView = noisyTest.ToDataView();

AutoencoderOptions Denoiser(string name) => new()
{
    InputColumnName = MnistData.FeaturesColumnName,
    DenoisedColumnName = "Denoised",
    EncodedColumnName = null,
    Noise = AutoencoderNoise.Gaussian,
    NoiseLevel = options.Noise,
    OutputActivation = AutoencoderActivation.Sigmoid,
    Loss = AutoencoderLoss.BinaryCrossEntropy,
    BatchSize = 128,
    Epochs = options.Epochs,
    Seed = 1,
    EpochCompleted = e => Console.WriteLine($"   {name} epoch {e.Epoch,3}/{options.Epochs}: training loss {e.TrainingLoss:F5}  ({e.Seconds:F1} s)"),
};

var dense = Denoiser("dense");
dense.HiddenLayerSizes = [256];
dense.CodeSize = 64;

var convolutional = Denoiser("conv");
convolutional.InputShape = [1, MnistSplit.ImageHeight, MnistSplit.ImageWidth];
convolutional.ConvolutionBlocks = [new ConvolutionBlock(16), new ConvolutionBlock(16)];

(float[][] Denoised, double Seconds) TrainAndDenoise(AutoencoderOptions denoiserOptions, string what)
{
    Console.WriteLine($"Training the {what} denoiser on {train.Count} digits, noise {options.Noise}:");
    var clock = Stopwatch.StartNew();
    var model = mlContext.Transforms.Autoencoder(denoiserOptions).Fit(trainView);
    double seconds = clock.Elapsed.TotalSeconds;
    return (model.Transform(noisyTestView).GetColumn<float[]>("Denoised").ToArray(), seconds);
}

var (denseDenoised, denseSeconds) = TrainAndDenoise(dense, "dense 784-256-64");
var (convDenoised, convSeconds) = TrainAndDenoise(convolutional, "convolutional (blocks 16, 16)");

double noisyPsnr = Psnr(i => noisyTest.Image(i));
double densePsnr = Psnr(i => denseDenoised[i]);
double convPsnr = Psnr(i => convDenoised[i]);

string picture = Path.Combine(options.OutputDirectory, "mnist-denoising.png");
var shown = Enumerable.Range(0, PictureDigits).ToArray();
ImageGridPlot.Write(picture, [
    shown.Select(i => noisyTest.Image(i).ToArray()).ToList(),
    shown.Select(i => denseDenoised[i]).ToList(),
    shown.Select(i => convDenoised[i]).ToList(),
    shown.Select(i => test.Image(i).ToArray()).ToList()], 28, 28, 1,
    "Noisy, dense-denoised, convolution-denoised and clean test digits", $"test digit (1–{PictureDigits})", "clean   conv   dense   noisy");

Console.WriteLine();
Console.WriteLine($"PSNR over the {test.Count} test digits (dB, against the clean digits; higher is cleaner):");
Console.WriteLine($"  noisy input (noise {options.Noise})             {noisyPsnr,6:F2}");
Console.WriteLine($"  dense denoiser 784-256-64            {densePsnr,6:F2}   ({options.Epochs} epochs, {denseSeconds:F0} s)");
Console.WriteLine($"  convolutional denoiser (16, 16)      {convPsnr,6:F2}   ({options.Epochs} epochs, {convSeconds:F0} s)");
Console.WriteLine($"Rows noisy / dense / convolutional / clean: {picture}");
return 0;

// PSNR of the whole test set for pixels in [0, 1]: 10·log10(1 / mean squared error against the clean digits).
double Psnr(Func<int, ReadOnlySpan<float>> image)
{
    double squared = 0;
    for (int i = 0; i < test.Count; i++)
    {
        ReadOnlySpan<float> candidate = image(i), clean = test.Image(i);
        for (int p = 0; p < clean.Length; p++) squared += (candidate[p] - clean[p]) * (double)(candidate[p] - clean[p]);
    }
    return 10 * Math.Log10(1.0 / (squared / ((double)test.Count * MnistSplit.PixelsPerImage)));
}
