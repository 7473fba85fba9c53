namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// A 3×5 bitmap font for the digits 0–9 and the decimal point. Skia's Linux build without fontconfig has no font to
/// draw text with, and the samples' pictures need only numbers, so the labels are painted as blocks.
/// </summary>
internal static class PixelDigits
{
    public const int Width = 3;
    public const int Height = 5;

    // One string per digit, five rows of three columns, '#' = ink.
    private static readonly string[] Glyphs =
    [
        "###" + "#.#" + "#.#" + "#.#" + "###",
        ".#." + "##." + ".#." + ".#." + "###",
        "###" + "..#" + "###" + "#.." + "###",
        "###" + "..#" + "###" + "..#" + "###",
        "#.#" + "#.#" + "###" + "..#" + "..#",
        "###" + "#.." + "###" + "..#" + "###",
        "###" + "#.." + "###" + "#.#" + "###",
        "###" + "..#" + "..#" + "..#" + "..#",
        "###" + "#.#" + "###" + "#.#" + "###",
        "###" + "#.#" + "###" + "..#" + "###",
    ];

    private const string Point = "..." + "..." + "..." + "..." + ".#.";

    /// <summary>Width in font pixels of <paramref name="text"/> (digits with one blank column between them).</summary>
    public static int Measure(string text) => text.Length == 0 ? 0 : text.Length * (Width + 1) - 1;

    /// <summary>Calls <paramref name="ink"/>(x, y) for every inked font pixel of <paramref name="text"/>, left to right.</summary>
    public static void Draw(string text, Action<int, int> ink)
    {
        for (int c = 0; c < text.Length; c++)
        {
            string glyph = text[c] == '.' ? Point
                : text[c] is >= '0' and <= '9' ? Glyphs[text[c] - '0']
                : throw new ArgumentException($"Only digits and '.' can be drawn, not '{text[c]}'.", nameof(text));
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                    if (glyph[y * Width + x] == '#') ink(c * (Width + 1) + x, y);
        }
    }
}
