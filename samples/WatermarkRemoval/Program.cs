// Removing a watermark with a convolutional autoencoder trained on pairs: the input is a 32×32 colour patch under a
// semi-transparent white "©" (its size, place and opacity drawn from a fixed seed, one stamp per patch), the target
// the clean patch. The patches come from build/fetch-colour-patches.sh; the test photo (the cat "chelsea", never seen
// in training) is stamped tile by tile from another seed. Prints PSNR (dB; higher is cleaner) of the stamped and the
// cleaned tiles against the clean ones, over whole tiles and under the stamp alone, and draws stamped / cleaned /
// clean rows of tiles, and the whole test photo.
//
//   dotnet run --project samples/WatermarkRemoval -c Release [-- --epochs N --train-rows N --output DIR --data DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;
using WatermarkRemoval;

if (!SampleStartup.TryParse(args, out ColourPatchSampleOptions options, out int exitCode)) return exitCode;
ColourPatches patches;
try
{
    patches = ColourPatches.Load(options.DataDirectory);
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

int side = patches.Side, plane = side * side;
float[][] train = patches.Train.Take(options.TrainRows ?? patches.Train.Length).ToArray();
float[][] test = patches.Test;
// Separate seeds, so the test stamps are not the training ones replayed.
var trainRandom = new SeededRandom(11);
float[][] trainStamped = train.Select(image => Watermark.Next(trainRandom, side).Stamp(image)).ToArray();
var testRandom = new SeededRandom(12);
Watermark[] testMarks = test.Select(_ => Watermark.Next(testRandom, side)).ToArray();
float[][] testStamped = test.Select((image, i) => testMarks[i].Stamp(image)).ToArray();
Console.WriteLine($"Colour patches from {patches.Directory}: {train.Length} training patches of {side}×{side}, " +
                  $"the test photo as {patches.TestRows}×{patches.TestColumns} tiles; each one stamped with a white ©");

var mlContext = new MLContext(seed: 1);
IDataView trainView = ImagePairs.ToDataView(mlContext, trainStamped, train, "Stamped", "Clean");
IDataView testView = ImagePairs.ToDataView(mlContext, testStamped, test, "Stamped", "Clean");

var relu = new ActivationSpec(Activation.Relu);
var remover = new AutoencoderOptions
{
    InputColumnName = "Stamped",
    TargetColumnName = "Clean",      // paired training: stamped in, clean out
    DenoisedColumnName = "Cleaned",
    EncodedColumnName = null,
    InputShape = [3, side, side],
    // Two convolutions at full size find the stamp's thin strokes (a 5×5 view); one pooling then halves the size to a
    // code of 12×16×16, exactly the input's 3,072 values. Each code position has 12 values for the 2×2 input pixels (3 channels × 4) it stands for,
    // so the detail of the picture under the stamp can get through.
    EncoderLayers =
    [
        new Conv2dSpec(32, 3), relu, new Conv2dSpec(32, 3), relu, new MaxPool2dSpec(2),
        new Conv2dSpec(12, 3), relu,
    ],
    // Bilinear upsampling, then two convolutions back to the three channels.
    DecoderLayers =
    [
        new Upsample2dSpec(2, UpsampleMode.Bilinear), new Conv2dSpec(32, 3), relu,
        new Conv2dSpec(3, 3), new ActivationSpec(Activation.Sigmoid),
    ],
    // PSNR is a mean squared error, so train on that.
    Loss = AutoencoderLoss.MeanSquaredError,
    BatchSize = 32,
    Epochs = options.Epochs,
    Seed = 1,
    EpochCompleted = e => Console.WriteLine($"   epoch {e.Epoch,3}/{options.Epochs}: training MSE {e.TrainingLoss:F5}  ({e.Seconds:F1} s)"),
};

Console.WriteLine($"Training the watermark remover (stamped → clean, {options.Epochs} epochs):");
var clock = Stopwatch.StartNew();
var model = mlContext.Transforms.Autoencoder(remover).Fit(trainView);
double seconds = clock.Elapsed.TotalSeconds;
float[][] cleaned = model.Transform(testView).GetColumn<float[]>("Cleaned").ToArray();

Console.WriteLine();
Console.WriteLine($"PSNR over the {test.Length} tiles of the held-out photo (dB, against the clean tiles; higher is cleaner):");
Console.WriteLine("                               whole tiles   under the stamp");
Console.WriteLine($"  stamped input                    {ImagePairs.Psnr(testStamped, test),6:F2}        {UnderStamp(testStamped),6:F2}");
Console.WriteLine($"  the autoencoder's removal        {ImagePairs.Psnr(cleaned, test),6:F2}        {UnderStamp(cleaned),6:F2}   ({options.Epochs} epochs, {seconds:F0} s)");

int[] shown = Enumerable.Range(3 * patches.TestColumns + 2, 10).ToArray();
string tilesPicture = Path.Combine(options.OutputDirectory, "watermark-patches.png");
ImageGridPlot.Write(tilesPicture, [
    shown.Select(i => testStamped[i]).ToList(),
    shown.Select(i => cleaned[i]).ToList(),
    shown.Select(i => test[i]).ToList()], side, side, 3,
    "Test tiles", "tile", "clean   cleaned   stamped");
string photoPicture = Path.Combine(options.OutputDirectory, "watermark-photo.png");
float[] Photo(float[][] tiles) => ColourPatches.Assemble(tiles, patches.TestRows, patches.TestColumns, side);
ImageGridPlot.Write(photoPicture, [[Photo(testStamped), Photo(cleaned), Photo(test)]], patches.TestRows * side, patches.TestColumns * side, 3,
    "The whole test photo", "stamped | cleaned | clean", "photo");
Console.WriteLine($"Rows stamped / cleaned / clean: {tilesPicture}");
Console.WriteLine($"The whole test photo, stamped | cleaned | clean: {photoPicture}");
return 0;

// PSNR over only the pixels the stamp touches (coverage above zero), all three channels: where the removal has work to do.
double UnderStamp(float[][] images)
{
    double squared = 0;
    long count = 0;
    for (int i = 0; i < test.Length; i++)
        for (int p = 0; p < plane; p++)
        {
            if (testMarks[i].Coverage[p] <= 0) continue;
            for (int channel = 0; channel < 3; channel++)
            {
                double difference = images[i][channel * plane + p] - test[i][channel * plane + p];
                squared += difference * difference;
            }
            count += 3;
        }
    return 10 * Math.Log10(count / squared);
}
