using ScottPlot;

namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// The font every plot draws its text with. ScottPlot asks SkiaSharp for system fonts, and the dependency-free SkiaSharp
/// build used here (it loads on a bare Linux machine, no fontconfig needed) lists none, so titles and labels would come
/// out blank. Instead a TrueType file is loaded by path: <see cref="EnvironmentVariable"/> when set, else the first of
/// a few well-known files (DejaVu Sans ships in Debian's fonts-dejavu-core, installed on most Debian and Ubuntu systems).
/// </summary>
public static class PlotFont
{
    /// <summary>Names a .ttf or .otf file to draw text with, ahead of the built-in search.</summary>
    public const string EnvironmentVariable = "AUTOENCODERS_PLOT_FONT";

    private const string FamilyName = "Autoencoders Plot Sans";

    /// <summary>Sans-serif fonts found on common systems, most likely first.</summary>
    private static readonly string[] KnownFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/lato/Lato-Regular.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "/Library/Fonts/Arial.ttf",
        @"C:\Windows\Fonts\arial.ttf",
    ];

    private static readonly Lazy<string> Loaded = new(Load);

    /// <summary>The font file in use; throws <see cref="FileNotFoundException"/> (with what to install) when there is none.</summary>
    public static string FilePath => Loaded.Value;

    /// <summary>Registers the font with ScottPlot once and gives the family name to style a plot with.</summary>
    internal static string Family
    {
        get
        {
            _ = Loaded.Value;
            return FamilyName;
        }
    }

    private static string Load()
    {
        string? chosen = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(chosen) && !File.Exists(chosen))
            throw new FileNotFoundException($"{EnvironmentVariable} names '{chosen}', which does not exist.", chosen);
        chosen ??= KnownFiles.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                "No font to draw plot text with. Install one (Debian/Ubuntu: apt-get install fonts-dejavu-core) " +
                $"or set {EnvironmentVariable} to a .ttf file.");
        Fonts.AddFontFile(FamilyName, chosen);
        return chosen;
    }
}
