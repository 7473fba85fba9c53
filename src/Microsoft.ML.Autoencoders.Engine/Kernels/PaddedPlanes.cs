namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Where a direct convolution keeps one image's input: <see cref="Channels"/> planes of <see cref="PaddedHeight"/> rows of
/// <see cref="RowStride"/> floats, each holding the image's <see cref="Height"/>×<see cref="Width"/> values at
/// (<see cref="Top"/>, <see cref="Left"/>) and zeros everywhere else (<see cref="DirectConvolution.CopyIntoPadded"/>
/// writes it from a plain image; a layer below that can write its output straight into it says so with
/// <see cref="Layers.Layer.CanWritePaddedPlanes"/>).
/// </summary>
internal readonly record struct PaddedPlanes(int Channels, int Height, int Width, int PaddedHeight, int RowStride, int Top, int Left)
{
    /// <summary>Floats between two channels' planes.</summary>
    public int PlaneSize => PaddedHeight * RowStride;
}
