namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// The image tests' data: a soft disc (a Gaussian blob, e^(−d²/r²)) of random centre and radius 1.5–3.5 on a square
/// plane, in [0, 1]. Smooth enough that a small convolutional autoencoder learns it in a few epochs, varied enough that
/// the reconstruction is not one image.
/// </summary>
internal static class SoftDiscs
{
    /// <summary>One side × side image, row by row, drawing its centre and radius from <paramref name="random"/>.</summary>
    public static float[] Draw(Random random, int side)
    {
        double cx = random.NextDouble() * side, cy = random.NextDouble() * side, radius = 1.5 + random.NextDouble() * 2;
        var pixels = new float[side * side];
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                pixels[y * side + x] = (float)Math.Exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (radius * radius));
        return pixels;
    }
}
