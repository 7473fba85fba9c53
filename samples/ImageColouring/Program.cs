// Colouring gray photos with a convolutional autoencoder trained on pairs: the input is a 32×32 patch's luma
// Y = 0.299 R + 0.587 G + 0.114 B (in all three channels, since a paired target must have the input's size), the
// target the colour patch itself. The training patches come from four photos Debian ships (astronaut, coffee and
// motorcycle of python3-skimage, scipy's raccoon; build/fetch-colour-patches.sh); skimage's cat "chelsea" is held out
// whole and coloured tile by tile. Prints PSNR (dB; higher is closer to the true colours) of the gray image taken as
// colour, of the training set's average tint, and of the model's colouring, and draws gray / coloured / truth rows of
// tiles, and the whole test photo.
//
//   dotnet run --project samples/ImageColouring -c Release [-- --epochs N --train-rows N --output DIR --data DIR]
//   (--quick: a smoke run in seconds; --help lists every option)

using System.Diagnostics;

using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Autoencoders.Plotting;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Samples;
using Microsoft.ML.Data;

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
float[][] trainGray = train.Select(ColourPatches.ToGray).ToArray();
float[][] test = patches.Test, testGray = test.Select(ColourPatches.ToGray).ToArray();
Console.WriteLine($"Colour patches from {patches.Directory}: {train.Length} training patches of {side}×{side}, " +
                  $"the test photo as {patches.TestRows}×{patches.TestColumns} tiles");

var mlContext = new MLContext(seed: 1);
IDataView trainView = ImagePairs.ToDataView(mlContext, trainGray, train, "Gray", "Colour");
IDataView testView = ImagePairs.ToDataView(mlContext, testGray, test, "Gray", "Colour");

var relu = new ActivationSpec(Activation.Relu);
var colourer = new AutoencoderOptions
{
    InputColumnName = "Gray",
    TargetColumnName = "Colour",     // paired training: gray in, colour out
    DenoisedColumnName = "Coloured",
    EncodedColumnName = null,
    InputShape = [3, side, side],
    // Two poolings take 32×32 to an 8×8 code of 48 channels: a pixel's colour is decided from about 20×20 pixels of
    // context (a cat's fur, a face, a wooden table), more than its own gray level says. 48×8×8 is exactly the input's
    // 3,072 values.
    EncoderLayers =
    [
        new Conv2dSpec(32, 3), relu, new MaxPool2dSpec(2),
        new Conv2dSpec(64, 3), relu, new MaxPool2dSpec(2),
        new Conv2dSpec(48, 3), relu,
    ],
    // Colour varies slowly across an object, so bilinear upsampling suits it better than nearest's 2×2 blocks.
    DecoderLayers =
    [
        new Upsample2dSpec(2, UpsampleMode.Bilinear), new Conv2dSpec(32, 3), relu,
        new Upsample2dSpec(2, UpsampleMode.Bilinear), new Conv2dSpec(16, 3), relu,
        new Conv2dSpec(3, 3), new ActivationSpec(Activation.Sigmoid),
    ],
    // PSNR is a mean squared error, so train on that.
    Loss = AutoencoderLoss.MeanSquaredError,
    BatchSize = 32,
    Epochs = options.Epochs,
    Seed = 1,
    EpochCompleted = e => Console.WriteLine($"   epoch {e.Epoch,3}/{options.Epochs}: training MSE {e.TrainingLoss:F5}  ({e.Seconds:F1} s)"),
};

Console.WriteLine($"Training the colouring autoencoder (gray → colour, {options.Epochs} epochs):");
var clock = Stopwatch.StartNew();
var model = mlContext.Transforms.Autoencoder(colourer).Fit(trainView);
double seconds = clock.Elapsed.TotalSeconds;
float[][] coloured = model.Transform(testView).GetColumn<float[]>("Coloured").ToArray();

// The network redraws the gray levels too, through its bottleneck, and blurs them. The gray levels are known exactly,
// so keep the model's colour and put the input's luma back: adding the same amount to R, G and B moves Y by exactly
// that amount, because the three weights sum to 1.
float[][] colouredKeepingLuma = coloured.Select((output, i) =>
{
    var result = new float[output.Length];
    for (int p = 0; p < plane; p++)
    {
        float shift = testGray[i][p] - ColourPatches.Luma(output, plane, p);
        for (int channel = 0; channel < 3; channel++)
            result[channel * plane + p] = Math.Clamp(output[channel * plane + p] + shift, 0f, 1f);
    }
    return result;
}).ToArray();

// The simplest colouring to beat: the training patches' average colour offset from gray (a warm tint), added everywhere.
var tint = new double[3];
foreach (float[] patch in train)
    for (int p = 0; p < plane; p++)
    {
        float y = ColourPatches.Luma(patch, plane, p);
        for (int channel = 0; channel < 3; channel++) tint[channel] += patch[channel * plane + p] - y;
    }
for (int channel = 0; channel < 3; channel++) tint[channel] /= (double)train.Length * plane;
float[][] tinted = testGray.Select(gray => gray.Select((value, index) => Math.Clamp(value + (float)tint[index / plane], 0f, 1f)).ToArray()).ToArray();

Console.WriteLine();
Console.WriteLine($"PSNR over the {test.Length} tiles of the held-out photo (dB, against its true colours; higher is closer):");
Console.WriteLine($"  (a) gray taken as colour                      {ImagePairs.Psnr(testGray, test),6:F2}");
Console.WriteLine($"      gray + the training set's average tint    {ImagePairs.Psnr(tinted, test),6:F2}   " +
                  $"(R {tint[0]:+0.000;-0.000}, G {tint[1]:+0.000;-0.000}, B {tint[2]:+0.000;-0.000})");
Console.WriteLine($"  (b) the autoencoder's colouring               {ImagePairs.Psnr(coloured, test),6:F2}   ({options.Epochs} epochs, {seconds:F0} s)");
Console.WriteLine($"      its colours on the input's luma           {ImagePairs.Psnr(colouredKeepingLuma, test),6:F2}");

// A band of tiles across the cat's eyes and nose, then the whole photo put back together from its tiles.
int[] shown = Enumerable.Range(3 * patches.TestColumns + 2, 10).ToArray();
string tilesPicture = Path.Combine(options.OutputDirectory, "colouring-patches.png");
ImageGridPlot.Write(tilesPicture, [
    shown.Select(i => testGray[i]).ToList(),
    shown.Select(i => colouredKeepingLuma[i]).ToList(),
    shown.Select(i => test[i]).ToList()], side, side, 3,
    "Test tiles", "tile", "truth   coloured   gray");
string photoPicture = Path.Combine(options.OutputDirectory, "colouring-photo.png");
float[] Photo(float[][] tiles) => ColourPatches.Assemble(tiles, patches.TestRows, patches.TestColumns, side);
ImageGridPlot.Write(photoPicture, [[Photo(testGray), Photo(colouredKeepingLuma), Photo(test)]], patches.TestRows * side, patches.TestColumns * side, 3,
    "The whole test photo", "gray | coloured | truth", "photo");
Console.WriteLine($"Rows gray / coloured (model's colours on the input's luma) / truth: {tilesPicture}");
Console.WriteLine($"The whole test photo, gray | coloured | truth: {photoPicture}");
return 0;
