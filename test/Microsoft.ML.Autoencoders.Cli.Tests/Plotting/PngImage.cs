using SkiaSharp;

namespace Microsoft.ML.Autoencoders.Cli.Tests.Plotting;

/// <summary>Reads a PNG back to check what was drawn where: text shows as dark pixels on the white margins.</summary>
internal sealed class PngImage
{
    private readonly SKBitmap _bitmap;

    private PngImage(SKBitmap bitmap) => _bitmap = bitmap;

    public static PngImage Read(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written.");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), $"{path} is not a PNG.");
        return new PngImage(SKBitmap.Decode(bytes) ?? throw new InvalidDataException($"{path} does not decode."));
    }

    public int Width => _bitmap.Width;

    public int Height => _bitmap.Height;

    /// <summary>Pixels darker than mid-gray in the rectangle [left, right) × [top, bottom).</summary>
    public int DarkPixels(int left, int top, int right, int bottom)
    {
        int count = 0;
        for (int y = top; y < bottom; y++)
            for (int x = left; x < right; x++)
            {
                var c = _bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 3 * 110) count++;
            }
        return count;
    }

    /// <summary>Dark pixels above the plot's frame, where only the title goes (a plot without one has none there).</summary>
    public int TitleInk() => DarkPixels(0, 0, Width, Math.Max(0, FrameTop() - 6));

    /// <summary>The first row that is dark across the middle half of the image: the top line of the plot's frame.</summary>
    private int FrameTop()
    {
        for (int y = 0; y < Height; y++)
            if (DarkPixels(Width / 4, y, Width * 3 / 4, y + 1) > Width / 2 * 9 / 10) return y;
        throw new InvalidDataException("The image has no plot frame.");
    }

    /// <summary>Dark pixels in the x-axis label band (the bottom 5 %).</summary>
    public int XLabelInk() => DarkPixels(0, Height * 95 / 100, Width, Height);

    /// <summary>Dark pixels in the y-axis label band (the leftmost 4 %, middle half of the height).</summary>
    public int YLabelInk() => DarkPixels(0, Height / 4, Width * 4 / 100, Height * 3 / 4);

    /// <summary>Mean of R + G + B over the rectangle [left, right) × [top, bottom): high for Viridis' yellow end.</summary>
    public double Brightness(int left, int top, int right, int bottom)
    {
        double sum = 0;
        for (int y = top; y < bottom; y++)
            for (int x = left; x < right; x++)
            {
                var c = _bitmap.GetPixel(x, y);
                sum += c.Red + c.Green + c.Blue;
            }
        return sum / ((right - left) * (bottom - top));
    }

    /// <summary>Pixels near <paramref name="colour"/> (each channel within <paramref name="tolerance"/>) in the rectangle [left, right) × [top, bottom).</summary>
    public int PixelsNear(SKColor colour, int left, int top, int right, int bottom, int tolerance = 40)
    {
        int count = 0;
        for (int y = top; y < bottom; y++)
            for (int x = left; x < right; x++)
            {
                var c = _bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - colour.Red) < tolerance && Math.Abs(c.Green - colour.Green) < tolerance && Math.Abs(c.Blue - colour.Blue) < tolerance) count++;
            }
        return count;
    }

    /// <summary>Distinct colours (coarsely quantized), to tell a coloured plot from a blank one.</summary>
    public int DistinctColours()
    {
        var seen = new HashSet<int>();
        for (int y = 0; y < Height; y += 2)
            for (int x = 0; x < Width; x += 2)
            {
                var c = _bitmap.GetPixel(x, y);
                seen.Add((c.Red >> 4) << 8 | (c.Green >> 4) << 4 | c.Blue >> 4);
            }
        return seen.Count;
    }
}
