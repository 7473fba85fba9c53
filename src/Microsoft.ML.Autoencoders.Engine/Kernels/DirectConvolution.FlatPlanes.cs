using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The direct convolution on flattened planes: the 512-bit kernels for planes at most 8 wide (the 7×7, 4×4 and 8×8
/// layers of the Keras-blog network). A padded plane's rows lie back to back with the padded width as row stride S, so
/// output (oy, ox) is flat position p = oy·S + ox and tap (ky, kx) reads the plane at p + ky·S + kx: a 16-lane register
/// covers 16 consecutive flat positions, that is parts of two or three rows, instead of one row and 8 or more lanes of
/// nothing. The columns between rows (ox ≥ width) are computed and dropped by the masked stores: 49 of 64 lanes are
/// kept on 7×7, 64 of 80 on 8×8, 16 of 32 on 4×4, against 7, 8 and 4 of 16 a row at a time.
/// </summary>
/// <remarks>
/// Each output is still one FMA chain over channel, kernel row and kernel column from zero, with the bias and the ReLU
/// applied as it leaves the register, so forward outputs and input gradients have the bits of the 256-bit row kernels.
/// The weight gradient is Σ_p dy[f, p] · x[c, p + ky·S + kx] over the flat positions, with dy laid out flat the same way
/// (zeros between rows, so the dropped columns add nothing); its per-lane sums are kept across a thread's images and
/// folded to one number per weight once at the end, where a 7×7 image's 2304 FMAs would otherwise pay 576 horizontal
/// sums. Reads run past a plane's end into the next plane or the tail the layout leaves after the last one
/// (<see cref="FlatPlaneReach"/>); those lanes are dropped or multiplied by dy's zeros, so the tail of the input planes must
/// hold finite numbers (the layer writes zeros there).
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    /// <summary>Flat positions per register.</summary>
    public const int FlatLanes = 16;

    /// <summary>Filters per pass of the flat kernels: eight weight broadcasts serve each input load.</summary>
    private const int FlatFilterBlock = 8;

    /// <summary>
    /// Whether <paramref name="g"/> with <paramref name="filters"/> filters can be laid out flat: a stride-1 layer the
    /// direct kernels run whose output is at most 8 wide and as large as its input (padding totals kernel − 1 on each
    /// axis), so the input planes and dy's padded planes share the row stride and dy's flat positions line up with the
    /// input's. Filters and channels come in fours: the forward and the input gradient then have the bits of the 256-bit
    /// kernels' four-filter passes (one chain per output); their lone-filter kernels split a chain in two.
    /// </summary>
    public static bool FlatPlanesApply(in ConvGeometry g, int filters) =>
        Supports(g) && g.OutputWidth <= NarrowColumns && filters % FilterBlock == 0 && g.Channels % FilterBlock == 0
        && g.PadLeft + g.PadRight == g.KernelWidth - 1 && g.PadTop + g.PadBottom == g.KernelHeight - 1;

    /// <summary>Registers that cover the flat positions of a height×width output laid out with <paramref name="rowStride"/>.</summary>
    public static int FlatVectors(int height, int width, int rowStride) => RoundUp((height - 1) * rowStride + width, FlatLanes) / FlatLanes;

    /// <summary>
    /// How far past a plane's start the flat kernels read: the registers of <see cref="CorrelateFlat"/>, taken two at a
    /// time, shifted by the furthest tap.
    /// </summary>
    public static int FlatPlaneReach(int height, int width, int rowStride, int kernelHeight, int kernelWidth) =>
        RoundUp(FlatVectors(height, width, rowStride), 2) * FlatLanes + (kernelHeight - 1) * rowStride + kernelWidth - 1;

    /// <summary>
    /// output[f, oy, ox] (+)= bias[f] + Σ_c Σ_ky,kx weights[f, c, ky, kx] · planes[c, (oy + ky)·S + ox + kx] for a
    /// height×width output from <paramref name="channels"/> flat planes <paramref name="planeStride"/> floats apart with
    /// row stride S = <paramref name="rowStride"/>; with <paramref name="accumulate"/> added to what the output holds,
    /// with <paramref name="relu"/> clipped at zero as stored (as <see cref="Correlate"/>). <paramref name="bias"/> may be null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CorrelateFlat(float* planes, int channels, int planeStride, int rowStride, float* weights, float* bias, int filters,
        int kernelHeight, int kernelWidth, float* output, int height, int width, bool accumulate, bool relu)
    {
        if (relu && accumulate) throw new ArgumentException("A fused ReLU needs the output written, not added to.", nameof(relu));
        int filterStride = channels * kernelHeight * kernelWidth, outputPlane = height * width;
        int flatLength = (height - 1) * rowStride + width;
        var store = new FlatStore(rowStride, height, width, flatLength, accumulate, relu);
        for (int f0 = 0; f0 < filters; f0 += FlatFilterBlock)
        {
            int block = Math.Min(FlatFilterBlock, filters - f0);
            for (int p0 = 0; p0 < flatLength; p0 += 2 * FlatLanes)
                EightFiltersTwoFlatVectors(planes + p0, channels, planeStride, rowStride, weights + (nint)f0 * filterStride, filterStride, block,
                    kernelHeight, kernelWidth, output + (nint)f0 * outputPlane, outputPlane, bias == null ? null : bias + f0, p0, store);
        }
    }

    /// <summary>
    /// Two registers of flat positions (32 from <paramref name="p0"/>) for up to eight filters: 16 accumulators, each tap
    /// two loads and eight broadcasts for sixteen FMAs. With fewer than eight filters the missing ones repeat the last
    /// filter's weights and are not stored, so the loop keeps one shape.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightFiltersTwoFlatVectors(float* origin, int channels, int planeStride, int rowStride, float* weights, int filterStride, int block,
        int kernelHeight, int kernelWidth, float* target, int outputPlane, float* bias, int p0, in FlatStore store)
    {
        nint s1 = (nint)Math.Min(1, block - 1) * filterStride, s2 = (nint)Math.Min(2, block - 1) * filterStride;
        nint s3 = (nint)Math.Min(3, block - 1) * filterStride, s4 = (nint)Math.Min(4, block - 1) * filterStride;
        nint s5 = (nint)Math.Min(5, block - 1) * filterStride, s6 = (nint)Math.Min(6, block - 1) * filterStride;
        nint s7 = (nint)Math.Min(7, block - 1) * filterStride;
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        Vector512<float> e0 = default, e1 = default, g0 = default, g1 = default, h0 = default, h1 = default, i0 = default, i1 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeStride + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x0 = Vector512.Load(row + kx);
                    var x1 = Vector512.Load(row + kx + FlatLanes);
                    var weight = Vector512.Create(w[0]);
                    a0 = Vector512.FusedMultiplyAdd(weight, x0, a0); a1 = Vector512.FusedMultiplyAdd(weight, x1, a1);
                    weight = Vector512.Create(w[s1]);
                    b0 = Vector512.FusedMultiplyAdd(weight, x0, b0); b1 = Vector512.FusedMultiplyAdd(weight, x1, b1);
                    weight = Vector512.Create(w[s2]);
                    c0 = Vector512.FusedMultiplyAdd(weight, x0, c0); c1 = Vector512.FusedMultiplyAdd(weight, x1, c1);
                    weight = Vector512.Create(w[s3]);
                    d0 = Vector512.FusedMultiplyAdd(weight, x0, d0); d1 = Vector512.FusedMultiplyAdd(weight, x1, d1);
                    weight = Vector512.Create(w[s4]);
                    e0 = Vector512.FusedMultiplyAdd(weight, x0, e0); e1 = Vector512.FusedMultiplyAdd(weight, x1, e1);
                    weight = Vector512.Create(w[s5]);
                    g0 = Vector512.FusedMultiplyAdd(weight, x0, g0); g1 = Vector512.FusedMultiplyAdd(weight, x1, g1);
                    weight = Vector512.Create(w[s6]);
                    h0 = Vector512.FusedMultiplyAdd(weight, x0, h0); h1 = Vector512.FusedMultiplyAdd(weight, x1, h1);
                    weight = Vector512.Create(w[s7]);
                    i0 = Vector512.FusedMultiplyAdd(weight, x0, i0); i1 = Vector512.FusedMultiplyAdd(weight, x1, i1);
                }
            }
        }
        store.Put(target, bias, 0, p0, a0, a1);
        if (block > 1) store.Put(target + outputPlane, bias, 1, p0, b0, b1);
        if (block > 2) store.Put(target + 2 * (nint)outputPlane, bias, 2, p0, c0, c1);
        if (block > 3) store.Put(target + 3 * (nint)outputPlane, bias, 3, p0, d0, d1);
        if (block > 4) store.Put(target + 4 * (nint)outputPlane, bias, 4, p0, e0, e1);
        if (block > 5) store.Put(target + 5 * (nint)outputPlane, bias, 5, p0, g0, g1);
        if (block > 6) store.Put(target + 6 * (nint)outputPlane, bias, 6, p0, h0, h1);
        if (block > 7) store.Put(target + 7 * (nint)outputPlane, bias, 7, p0, i0, i1);
    }

    /// <summary>
    /// Where a flat register's values go: the lanes of each output row it covers are one masked store into that row of
    /// the dense output (an AVX-512 masked store is one instruction and does not fault on the lanes it leaves), so the
    /// columns between rows are dropped without a pass of their own.
    /// </summary>
    private readonly struct FlatStore(int rowStride, int height, int width, int flatLength, bool accumulate, bool relu)
    {
        /// <summary>Stores filter <paramref name="filter"/>'s two registers holding flat positions from <paramref name="p0"/> into its output plane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(float* plane, float* bias, int filter, int p0, Vector512<float> first, Vector512<float> second)
        {
            var shift = Vector512.Create(bias == null ? 0f : bias[filter]);
            first += shift;
            second += shift;
            if (relu)
            {
                first = Vector512.Max(first, Vector512<float>.Zero);
                second = Vector512.Max(second, Vector512<float>.Zero);
            }
            PutRows(plane, p0, first);
            if (p0 + FlatLanes < flatLength) PutRows(plane, p0 + FlatLanes, second);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void PutRows(float* plane, int p0, Vector512<float> values)
        {
            int last = Math.Min(height - 1, (p0 + FlatLanes - 1) / rowStride);
            for (int oy = p0 / rowStride; oy <= last; oy++)
            {
                // Lane i holds column p0 + i − oy·S of row oy; the lanes whose column is in [0, width) are that row's.
                int first = oy * rowStride - p0;
                var mask = Vector512.LessThan((Vector512<int>.Indices - Vector512.Create(first)).AsUInt32(), Vector512.Create((uint)width)).AsSingle();
                float* t = plane + (nint)oy * width - first;
                var v = accumulate ? values + Avx512F.MaskLoad(t, mask, Vector512<float>.Zero) : values;
                Avx512F.MaskStore(t, mask, v);
            }
        }
    }

    /// <summary>
    /// Writes dy into flat padded planes for the backward pass: each height×width plane of <paramref name="gradient"/> at
    /// (<paramref name="top"/>, <paramref name="left"/>) of a plane with row stride <paramref name="rowStride"/>, zeros in
    /// the rest of its <paramref name="planeStride"/> floats (a multiple of 16), each value kept only where
    /// <paramref name="reluOutput"/> (the ReLU's output above; null for none) is above zero, the ReLU layer's own select;
    /// adds each written plane's sum to <paramref name="biasGradient"/>[f]. Rows are at most 16 wide: one masked load and store each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FormFlatGradient(float* gradient, float* reluOutput, int filters, int height, int width, float* planes, int planeStride,
        int rowStride, int top, int left, float* biasGradient)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        int planeSize = height * width;
        for (int f = 0; f < filters; f++)
        {
            float* plane = planes + (nint)f * planeStride;
            for (int i = 0; i < planeStride; i += FlatLanes) Vector512<float>.Zero.Store(plane + i);
            float* source = gradient + (nint)f * planeSize;
            float* above = reluOutput == null ? null : reluOutput + (nint)f * planeSize;
            var sum = Vector512<float>.Zero;
            for (int y = 0; y < height; y++)
            {
                var v = Avx512F.MaskLoad(source + (nint)y * width, mask, Vector512<float>.Zero);
                if (above != null)
                {
                    var kept = Vector512.GreaterThan(Avx512F.MaskLoad(above + (nint)y * width, mask, Vector512<float>.Zero), Vector512<float>.Zero);
                    v = Vector512.ConditionalSelect(kept, v, Vector512<float>.Zero);
                }
                sum += v;
                Avx512F.MaskStore(plane + (nint)(top + y) * rowStride + left, mask, v);
            }
            biasGradient[f] += Vector512.Sum(sum);
        }
    }

    /// <summary>
    /// lanes[(f·C + c)·taps + t] += Σ_v dy[f, v·16 + lane] · planes[c, v·16 + lane + ky·S + kx] over
    /// <paramref name="vectors"/> registers of flat positions, t = ky·kw + kx: the weight gradient's per-lane sums, one
    /// 16-float vector per weight in <paramref name="lanes"/>, added to across images and folded by
    /// <see cref="FoldFlatWeightGradient"/>. <paramref name="gradient"/> is dy's first flat position of filter 0 (planes
    /// <paramref name="gradientPlane"/> apart, zeros between rows and after the last).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateFlatWeightGradient(float* planes, int channels, int planeStride, int rowStride, float* gradient, int gradientPlane,
        int filters, int kernelHeight, int kernelWidth, int vectors, float* lanes)
    {
        int taps = kernelHeight * kernelWidth;
        for (int f0 = 0; f0 < filters; f0 += FlatFilterBlock)
        {
            int block = Math.Min(FlatFilterBlock, filters - f0);
            for (int c = 0; c < channels; c++)
            {
                // Three taps a pass (any three: on flat planes a tap is just an offset); a short last group repeats its
                // last tap, whose sums are then computed twice from the same start and stored twice with the same bits.
                for (int t = 0; t < taps; t += 3)
                {
                    int t1 = Math.Min(t + 1, taps - 1), t2 = Math.Min(t + 2, taps - 1);
                    ThreeTapsEightFilters(planes + (nint)c * planeStride, Offset(t), Offset(t1) - Offset(t), Offset(t2) - Offset(t),
                        gradient + (nint)f0 * gradientPlane, gradientPlane, block, vectors,
                        lanes + ((nint)(f0 * channels + c) * taps + t) * FlatLanes, t1 - t, t2 - t, (nint)channels * taps * FlatLanes);
                }
            }
        }

        int Offset(int tap) => tap / kernelWidth * rowStride + tap % kernelWidth;
    }

    /// <summary>
    /// One pass of <see cref="AccumulateFlatWeightGradient"/>: three taps (offsets <paramref name="offset0"/>, +
    /// <paramref name="delta1"/>, + <paramref name="delta2"/>) of up to eight filters, 24 accumulators loaded from and
    /// stored back to their lane sums; each register step is three image loads and eight of dy for 24 FMAs. Missing
    /// filters repeat the last one (same start, same sums, same stores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreeTapsEightFilters(float* plane, int offset0, int delta1, int delta2, float* gradient, int gradientPlane, int block, int vectors,
        float* lanes, int tapStep1, int tapStep2, nint filterLanes)
    {
        nint g1 = (nint)Math.Min(1, block - 1) * gradientPlane, g2 = (nint)Math.Min(2, block - 1) * gradientPlane;
        nint g3 = (nint)Math.Min(3, block - 1) * gradientPlane, g4 = (nint)Math.Min(4, block - 1) * gradientPlane;
        nint g5 = (nint)Math.Min(5, block - 1) * gradientPlane, g6 = (nint)Math.Min(6, block - 1) * gradientPlane;
        nint g7 = (nint)Math.Min(7, block - 1) * gradientPlane;
        nint l1 = (nint)Math.Min(1, block - 1) * filterLanes, l2 = (nint)Math.Min(2, block - 1) * filterLanes;
        nint l3 = (nint)Math.Min(3, block - 1) * filterLanes, l4 = (nint)Math.Min(4, block - 1) * filterLanes;
        nint l5 = (nint)Math.Min(5, block - 1) * filterLanes, l6 = (nint)Math.Min(6, block - 1) * filterLanes;
        nint l7 = (nint)Math.Min(7, block - 1) * filterLanes;
        nint u1 = (nint)tapStep1 * FlatLanes, u2 = (nint)tapStep2 * FlatLanes;
        var a0 = Vector512.Load(lanes); var a1 = Vector512.Load(lanes + u1); var a2 = Vector512.Load(lanes + u2);
        var b0 = Vector512.Load(lanes + l1); var b1 = Vector512.Load(lanes + l1 + u1); var b2 = Vector512.Load(lanes + l1 + u2);
        var c0 = Vector512.Load(lanes + l2); var c1 = Vector512.Load(lanes + l2 + u1); var c2 = Vector512.Load(lanes + l2 + u2);
        var d0 = Vector512.Load(lanes + l3); var d1 = Vector512.Load(lanes + l3 + u1); var d2 = Vector512.Load(lanes + l3 + u2);
        var e0 = Vector512.Load(lanes + l4); var e1 = Vector512.Load(lanes + l4 + u1); var e2 = Vector512.Load(lanes + l4 + u2);
        var h0 = Vector512.Load(lanes + l5); var h1 = Vector512.Load(lanes + l5 + u1); var h2 = Vector512.Load(lanes + l5 + u2);
        var i0 = Vector512.Load(lanes + l6); var i1 = Vector512.Load(lanes + l6 + u1); var i2 = Vector512.Load(lanes + l6 + u2);
        var j0 = Vector512.Load(lanes + l7); var j1 = Vector512.Load(lanes + l7 + u1); var j2 = Vector512.Load(lanes + l7 + u2);
        float* x = plane + offset0;
        for (int v = 0; v < vectors; v++, x += FlatLanes, gradient += FlatLanes)
        {
            var x0 = Vector512.Load(x);
            var x1 = Vector512.Load(x + delta1);
            var x2 = Vector512.Load(x + delta2);
            var g = Vector512.Load(gradient);
            a0 = Vector512.FusedMultiplyAdd(g, x0, a0); a1 = Vector512.FusedMultiplyAdd(g, x1, a1); a2 = Vector512.FusedMultiplyAdd(g, x2, a2);
            g = Vector512.Load(gradient + g1);
            b0 = Vector512.FusedMultiplyAdd(g, x0, b0); b1 = Vector512.FusedMultiplyAdd(g, x1, b1); b2 = Vector512.FusedMultiplyAdd(g, x2, b2);
            g = Vector512.Load(gradient + g2);
            c0 = Vector512.FusedMultiplyAdd(g, x0, c0); c1 = Vector512.FusedMultiplyAdd(g, x1, c1); c2 = Vector512.FusedMultiplyAdd(g, x2, c2);
            g = Vector512.Load(gradient + g3);
            d0 = Vector512.FusedMultiplyAdd(g, x0, d0); d1 = Vector512.FusedMultiplyAdd(g, x1, d1); d2 = Vector512.FusedMultiplyAdd(g, x2, d2);
            g = Vector512.Load(gradient + g4);
            e0 = Vector512.FusedMultiplyAdd(g, x0, e0); e1 = Vector512.FusedMultiplyAdd(g, x1, e1); e2 = Vector512.FusedMultiplyAdd(g, x2, e2);
            g = Vector512.Load(gradient + g5);
            h0 = Vector512.FusedMultiplyAdd(g, x0, h0); h1 = Vector512.FusedMultiplyAdd(g, x1, h1); h2 = Vector512.FusedMultiplyAdd(g, x2, h2);
            g = Vector512.Load(gradient + g6);
            i0 = Vector512.FusedMultiplyAdd(g, x0, i0); i1 = Vector512.FusedMultiplyAdd(g, x1, i1); i2 = Vector512.FusedMultiplyAdd(g, x2, i2);
            g = Vector512.Load(gradient + g7);
            j0 = Vector512.FusedMultiplyAdd(g, x0, j0); j1 = Vector512.FusedMultiplyAdd(g, x1, j1); j2 = Vector512.FusedMultiplyAdd(g, x2, j2);
        }
        // The repeated filters and taps store last: the same values as the ones they repeat.
        a0.Store(lanes); a1.Store(lanes + u1); a2.Store(lanes + u2);
        b0.Store(lanes + l1); b1.Store(lanes + l1 + u1); b2.Store(lanes + l1 + u2);
        c0.Store(lanes + l2); c1.Store(lanes + l2 + u1); c2.Store(lanes + l2 + u2);
        d0.Store(lanes + l3); d1.Store(lanes + l3 + u1); d2.Store(lanes + l3 + u2);
        e0.Store(lanes + l4); e1.Store(lanes + l4 + u1); e2.Store(lanes + l4 + u2);
        h0.Store(lanes + l5); h1.Store(lanes + l5 + u1); h2.Store(lanes + l5 + u2);
        i0.Store(lanes + l6); i1.Store(lanes + l6 + u1); i2.Store(lanes + l6 + u2);
        j0.Store(lanes + l7); j1.Store(lanes + l7 + u1); j2.Store(lanes + l7 + u2);
    }

    /// <summary>dW[i] += the sum of lanes[i]'s 16 lanes for <paramref name="count"/> weights: once per thread's images, in a fixed order.</summary>
    public static void FoldFlatWeightGradient(float* lanes, int count, float* weightGradient)
    {
        for (int i = 0; i < count; i++) weightGradient[i] += Vector512.Sum(Vector512.Load(lanes + (nint)i * FlatLanes));
    }
}
