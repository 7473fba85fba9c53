using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// The pipeline an image user writes: Microsoft.ML.ImageAnalytics' LoadImages → ResizeImages → ExtractPixels, then a
/// convolutional autoencoder with <see cref="AutoencoderOptions.InputShape"/> [3, H, W], run on a folder of PNGs the
/// test writes. It pins down what ExtractPixels hands over — with its defaults, planes (not interleaved pixels) in the
/// order R, G, B, each value the byte 0–255 unless scaleImage says otherwise — because that is exactly the [C, H, W]
/// layout the engine's image layers read, and a user who forgot to scale would train on values 255 times too large.
/// </summary>
public class ImagePipelineTests
{
    private const int Side = 12, Count = 48;

    private sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    /// <summary>Colour test cards: a red disc on a green-to-blue background, each one shifted; (R, G, B) bytes per pixel.</summary>
    private static byte[][] WriteImages(string folder)
    {
        var random = new Random(3);
        var images = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            double cx = 2 + random.NextDouble() * (Side - 4), cy = 2 + random.NextDouble() * (Side - 4);
            var rgb = new byte[Side * Side * 3];
            var bgra = new byte[Side * Side * 4];
            for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                bool disc = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 6;
                byte r = disc ? (byte)230 : (byte)(10 + 3 * y), g = disc ? (byte)20 : (byte)(200 - 12 * x), b = (byte)(40 + 15 * x + y);
                int p = y * Side + x;
                (rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]) = (r, g, b);
                (bgra[p * 4], bgra[p * 4 + 1], bgra[p * 4 + 2], bgra[p * 4 + 3]) = (b, g, r, 255);
            }
            using var image = MLImage.CreateFromPixels(Side, Side, MLPixelFormat.Bgra32, bgra);
            image.Save(Path.Combine(folder, $"card{i:D2}.png")); // PNG, from the extension: lossless, so the bytes come back exactly
            images[i] = rgb;
        }
        return images;
    }

    [Fact]
    public void LoadResizeExtractFeedsAConvolutionalAutoencoderInChannelsFirstOrder()
    {
        string folder = Directory.CreateTempSubdirectory("autoencoders-images-").FullName;
        try
        {
            byte[][] truth = WriteImages(folder);
            var ml = new MLContext(seed: 1);
            var paths = Enumerable.Range(0, Count).Select(i => new ImagePath { Path = $"card{i:D2}.png" }).ToList();
            var data = ml.Data.LoadFromEnumerable(paths);
            var pixels = ml.Transforms.LoadImages("Image", folder, nameof(ImagePath.Path))
                .Append(ml.Transforms.ResizeImages("Image", Side, Side))
                .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255));

            // What ExtractPixels gives: the R plane, then G, then B, scaled to [0, 1].
            var extracted = pixels.Fit(data).Transform(data);
            var vectors = ColumnValues.Vectors(extracted, "Pixels");
            Assert.Equal(Count, vectors.Length);
            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(3 * Side * Side, vectors[i].Length);
                for (int channel = 0; channel < 3; channel++)
                    for (int p = 0; p < Side * Side; p++)
                        Assert.Equal(truth[i][p * 3 + channel] / 255f, vectors[i][channel * Side * Side + p], 1e-6f);
            }

            var relu = new ActivationSpec(Activation.Relu);
            var pipeline = pixels.Append(ml.Transforms.Autoencoder(new AutoencoderOptions
            {
                InputColumnName = "Pixels", EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
                InputShape = [3, Side, Side],
                EncoderLayers = [new Conv2dSpec(8, 3), relu, new MaxPool2dSpec(2), new Conv2dSpec(4, 3), relu, new MaxPool2dSpec(2)],
                OutputActivation = AutoencoderActivation.Sigmoid, Loss = AutoencoderLoss.BinaryCrossEntropy,
                Epochs = 30, BatchSize = 8, LearningRate = 3e-3f, NumberOfThreads = 1,
            }));
            var model = pipeline.Fit(data);
            var scored = model.Transform(data);

            Assert.Equal(4 * 3 * 3, ColumnValues.Vectors(scored, "Code")[0].Length);
            var reconstructions = ColumnValues.Vectors(scored, "Reconstruction");
            var errors = ColumnValues.Scalars(scored, "Error");
            // The autoencoder learnt the cards' layout: its reconstruction error is well below that of the mean image.
            var mean = new float[3 * Side * Side];
            foreach (var v in vectors) for (int j = 0; j < mean.Length; j++) mean[j] += v[j] / Count;
            double meanImageError = vectors.Average(v => v.Select((value, j) => (value - mean[j]) * (value - mean[j])).Average());
            Assert.True(errors.Average() < 0.5 * meanImageError, $"reconstruction MSE {errors.Average():F4} against the mean image's {meanImageError:F4}");
            Assert.Equal(3 * Side * Side, reconstructions[0].Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
