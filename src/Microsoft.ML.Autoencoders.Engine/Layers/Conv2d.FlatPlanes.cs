using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The direct path's flat layout for planes at most 8 wide on the 512-bit kernels (<see cref="DirectConvolution.CorrelateFlat"/>):
/// the forward and backward passes of one image each, in place of the row-chunk kernels' passes.
/// </summary>
public sealed partial class Conv2d
{
    /// <summary>
    /// Where the flat layout keeps things. The input planes (each image's scratch) and dy's padded planes (one block per
    /// thread) have the padded width as row stride, then a tail for the reads past the last plane. dy's planes are
    /// spaced to hold every flat position dW reads as zeros; a thread's block holds them for <see cref="ImageBlock"/>
    /// images (dW takes that many images a pass), then dW's per-lane sums (16 floats a weight), which live across the
    /// thread's images. dy's first flat position and the sums start on 64-byte lines (<see cref="Place"/>), so dW's
    /// dy loads and its sums' loads and stores never straddle two lines.
    /// </summary>
    private sealed class FlatPlaneLayout
    {
        public FlatPlaneLayout(ConvGeometry g, int filters)
        {
            RowStride = g.Width + g.KernelWidth - 1;
            PlaneSize = (g.Height + g.KernelHeight - 1) * RowStride;
            Vectors = DirectConvolution.FlatVectors(g.Height, g.Width, RowStride);
            GradientTop = g.KernelHeight - 1 - g.PadTop;
            GradientLeft = g.KernelWidth - 1 - g.PadLeft;
            int reach = DirectConvolution.FlatPlaneReach(g.Height, g.Width, RowStride, g.KernelHeight, g.KernelWidth);
            InputSize = DirectConvolution.RoundUp(g.Channels * PlaneSize + Math.Max(0, reach - PlaneSize), DirectConvolution.FlatLanes);
            GradientPlaneStride = DirectConvolution.RoundUp(
                Math.Max(PlaneSize, GradientTop * RowStride + GradientLeft + Vectors * DirectConvolution.FlatLanes), DirectConvolution.FlatLanes);
            GradientImageStride = filters * GradientPlaneStride;
            LanesOffset = ImageBlock * GradientImageStride + DirectConvolution.RoundUp(Math.Max(0, reach - GradientPlaneStride), DirectConvolution.FlatLanes);
            LaneCount = DirectConvolution.FlatLaneSums(filters, g.Channels, g.KernelHeight * g.KernelWidth);
        }

        /// <summary>Images whose dy planes a thread holds at once, so each dW pass loads and stores its sums once for all of them.</summary>
        public const int ImageBlock = 8;

        /// <summary>Floats a block is given beyond its contents, to move them onto 64-byte lines: 16 for dy's planes, 16 for the sums.</summary>
        private const int AlignmentSlack = 2 * DirectConvolution.FlatLanes;

        /// <summary>Floats between two images' dy planes.</summary>
        public int GradientImageStride { get; }

        /// <summary>
        /// dy's planes (returned) and dW's lane sums in the thread block at <paramref name="block"/>: the planes moved by up
        /// to 15 floats so dy's first flat position is on a 64-byte line, the sums on the next line after the planes' tail.
        /// </summary>
        public unsafe float* Place(float* block, out float* lanes)
        {
            float* planes = block + AlignmentShift(block + GradientTop * RowStride + GradientLeft);
            lanes = planes + LanesOffset;
            lanes += AlignmentShift(lanes);
            return planes;
        }

        /// <summary>Floats from <paramref name="address"/> to the next 64-byte line (float arrays are 4-byte aligned).</summary>
        private static unsafe int AlignmentShift(float* address) => (int)((64 - (nuint)address % 64) % 64 / sizeof(float));

        /// <summary>Floats per padded row: the padded width, with no rounding.</summary>
        public int RowStride { get; }

        /// <summary>Floats of one padded input plane.</summary>
        public int PlaneSize { get; }

        /// <summary>Registers of 16 flat positions that cover an output plane.</summary>
        public int Vectors { get; }

        /// <summary>Where dy's values start in its padded planes: kernel − 1 − padding.</summary>
        public int GradientTop { get; }

        /// <inheritdoc cref="GradientTop"/>
        public int GradientLeft { get; }

        /// <summary>Floats of one image's input planes and the tail after them (a multiple of 16).</summary>
        public int InputSize { get; }

        /// <summary>Floats between dy's padded planes (a multiple of 16).</summary>
        public int GradientPlaneStride { get; }

        /// <summary>Where dW's lane sums start in a thread's block.</summary>
        public int LanesOffset { get; }

        /// <summary>Floats of dW's lane sums.</summary>
        public int LaneCount { get; }

        /// <summary>Floats of one thread's backward block.</summary>
        public int GradientBlockSize => LanesOffset + LaneCount + AlignmentSlack;
    }

    private readonly unsafe partial struct ForwardDirect
    {
        /// <summary>
        /// Each image written into flat planes (the tail zeroed: dW reads it against dy's zeros), then correlated flat with
        /// the weights packed once per call on the stack (the layer's weights are at most <see cref="DirectConvolution.FlatMaxWeights"/>).
        /// </summary>
        private void ExecuteFlat(int start, int end)
        {
            var g = layer.Geometry;
            var d = layer._direct!;
            var flat = d.Flat!;
            float* packed = stackalloc float[layer.Filters * g.PatchSize];
            DirectConvolution.PackFlatWeights(weights, layer.Filters, g.Channels, g.KernelHeight * g.KernelWidth, packed);
            for (int n = start; n < end; n++)
            {
                float* padded = scratch + (nint)n * d.PaddedInputSize;
                float* output = y + (nint)n * layer.OutputSize;
                DirectConvolution.WriteFlatPlanes(x + (nint)n * layer.InputSize, null, g.Channels, g.Height, g.Width, padded, flat.PlaneSize, flat.RowStride,
                    g.PadTop, g.PadLeft, flat.InputSize, null);
                DirectConvolution.CorrelateFlat(padded, g.Channels, flat.PlaneSize, flat.RowStride, packed, bias, layer.Filters, g.KernelHeight, g.KernelWidth,
                    output, g.OutputHeight, g.OutputWidth, accumulate: false, relu: activation.IsRelu);
                if (!activation.IsRelu) activation.ApplyInPlace(output, layer.OutputSize);
            }
        }
    }

    private readonly unsafe partial struct BackwardDirect
    {
        /// <summary>
        /// Images a block at a time: each image's dy formed into flat planes (db on the way), the block's dW lane sums
        /// added to in one pass over it, and each image's dx correlated from its planes with the flipped kernel; the lane
        /// sums are folded into the group's dW once, after its last image. The buffers are those of the thread's part.
        /// </summary>
        private void ExecuteFlat(int start, int end, float* groupGradients, int part)
        {
            var g = layer.Geometry;
            var d = layer._direct!;
            var flat = d.Flat!;
            int filters = layer.Filters, patch = g.PatchSize;
            float* dW = groupGradients;
            float* db = dW + filters * patch;
            float* planes = flat.Place(paddedGradients + (nint)part * d.PaddedGradientSize, out float* lanes);
            float* outputGradient = outputGradients + (nint)part * layer.OutputSize;
            int origin = flat.GradientTop * flat.RowStride + flat.GradientLeft;
            new Span<float>(lanes, flat.LaneCount).Clear();
            bool maskByRelu = activation is ReluLayer;
            float* packed = stackalloc float[filters * patch];
            fixed (float* flipped = d.FlippedWeights) DirectConvolution.PackFlatWeights(flipped, g.Channels, filters, g.KernelHeight * g.KernelWidth, packed);
            for (int n0 = start; n0 < end; n0 += FlatPlaneLayout.ImageBlock)
            {
                int images = Math.Min(FlatPlaneLayout.ImageBlock, end - n0);
                for (int i = 0; i < images; i++)
                {
                    int n = n0 + i;
                    float* gradient = dy + (nint)n * layer.OutputSize;
                    if (activation != null && !maskByRelu)
                    {
                        new ActivationLayer.GradientPass(activation, activated + (nint)n * layer.OutputSize, gradient, outputGradient, overwrite: true)
                            .Execute(0, layer.OutputSize);
                        gradient = outputGradient;
                    }
                    DirectConvolution.WriteFlatPlanes(gradient, maskByRelu ? activated + (nint)n * layer.OutputSize : null, filters, g.OutputHeight, g.OutputWidth,
                        planes + (nint)i * flat.GradientImageStride, flat.GradientPlaneStride, flat.RowStride, flat.GradientTop, flat.GradientLeft,
                        flat.GradientImageStride, db);
                }
                DirectConvolution.AccumulateFlatWeightGradient(scratch + (nint)n0 * d.PaddedInputSize, g.Channels, flat.PlaneSize, flat.RowStride,
                    d.PaddedInputSize, planes + origin, flat.GradientPlaneStride, flat.GradientImageStride, images, filters, g.KernelHeight, g.KernelWidth,
                    flat.Vectors, lanes);
                if (dx == null) continue;
                for (int i = 0; i < images; i++)
                    DirectConvolution.CorrelateFlat(planes + (nint)i * flat.GradientImageStride, filters, flat.GradientPlaneStride, flat.RowStride, packed, null,
                        g.Channels, g.KernelHeight, g.KernelWidth, dx + (nint)(n0 + i) * layer.InputSize, g.Height, g.Width, accumulate: !overwrite, relu: false);
            }
            DirectConvolution.FoldFlatWeightGradient(lanes, filters, g.Channels, g.KernelHeight * g.KernelWidth, dW);
        }
    }
}
