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
    public const int FlatFilterBlock = 8;

    /// <summary>The most weights a flat layer may have: its kernels read them packed, from a copy on the stack.</summary>
    public const int FlatMaxWeights = 8192;

    /// <summary>
    /// Whether <paramref name="g"/> with <paramref name="filters"/> filters can be laid out flat: a stride-1 layer the
    /// direct kernels run whose output is at most 8 wide and as large as its input (padding totals kernel − 1 on each
    /// axis), so the input planes and dy's padded planes share the row stride and dy's flat positions line up with the
    /// input's. Filters and channels come in eights (the input gradient's filters are the channels): the kernels then
    /// have one shape, and each output one FMA chain, the one of the 256-bit kernels' four-filter passes (their
    /// lone-filter kernels split a chain in two, so other counts could not keep the bits).
    /// </summary>
    public static bool FlatPlanesApply(in ConvGeometry g, int filters) =>
        Supports(g) && g.OutputWidth <= NarrowColumns && filters % FlatFilterBlock == 0 && g.Channels % FlatFilterBlock == 0
        && filters * g.PatchSize <= FlatMaxWeights
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
    /// packed[((b·C + c)·taps + t)·8 + k] = weights[((8b + k)·C + c)·taps + t]: each tap's eight weights of a block of
    /// filters side by side, so <see cref="CorrelateFlat"/> broadcasts them from one pointer at fixed offsets instead of
    /// holding eight filter strides in registers.
    /// </summary>
    public static void PackFlatWeights(float* weights, int filters, int channels, int taps, float* packed)
    {
        int filterStride = channels * taps;
        for (int f = 0; f < filters; f++)
        {
            float* target = packed + (nint)(f / FlatFilterBlock) * filterStride * FlatFilterBlock + f % FlatFilterBlock;
            float* source = weights + (nint)f * filterStride;
            for (int i = 0; i < filterStride; i++) target[(nint)i * FlatFilterBlock] = source[i];
        }
    }

    /// <summary>
    /// output[f, oy, ox] (+)= bias[f] + Σ_c Σ_ky,kx weights[f, c, ky, kx] · planes[c, (oy + ky)·S + ox + kx] for a
    /// height×width output from <paramref name="channels"/> flat planes <paramref name="planeStride"/> floats apart with
    /// row stride S = <paramref name="rowStride"/>; with <paramref name="accumulate"/> added to what the output holds,
    /// with <paramref name="relu"/> clipped at zero as stored (as <see cref="Correlate"/>). <paramref name="packedWeights"/>
    /// come from <see cref="PackFlatWeights"/>; <paramref name="bias"/> may be null; filters are a multiple of 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CorrelateFlat(float* planes, int channels, int planeStride, int rowStride, float* packedWeights, float* bias, int filters,
        int kernelHeight, int kernelWidth, float* output, int height, int width, bool accumulate, bool relu)
    {
        if (relu && accumulate) throw new ArgumentException("A fused ReLU needs the output written, not added to.", nameof(relu));
        int blockWeights = channels * kernelHeight * kernelWidth * FlatFilterBlock, outputPlane = height * width;
        int flatLength = (height - 1) * rowStride + width, p0 = 0;
        if (FlatVectors(height, width, rowStride) is int vectors and >= 3 && vectors % 2 == 1)
        {
            // An odd count of registers (8×8: five) starts with three at once rather than ending with a pair half wasted.
            var store = new FlatStore(rowStride, height, width, outputPlane, p0, 3, flatLength, accumulate, relu);
            for (int f0 = 0; f0 < filters; f0 += FlatFilterBlock)
                EightFiltersThreeFlatVectors(planes, channels, planeStride, rowStride, packedWeights + (nint)(f0 / FlatFilterBlock) * blockWeights,
                    kernelHeight, kernelWidth, output + (nint)f0 * outputPlane, bias == null ? null : bias + f0, store);
            p0 = 3 * FlatLanes;
        }
        for (; p0 < flatLength; p0 += 2 * FlatLanes)
        {
            // The output rows each register reaches, found once for all the filters.
            var store = new FlatStore(rowStride, height, width, outputPlane, p0, 2, flatLength, accumulate, relu);
            for (int f0 = 0; f0 < filters; f0 += FlatFilterBlock)
                EightFiltersTwoFlatVectors(planes + p0, channels, planeStride, rowStride, packedWeights + (nint)(f0 / FlatFilterBlock) * blockWeights,
                    kernelHeight, kernelWidth, output + (nint)f0 * outputPlane, bias == null ? null : bias + f0, store);
        }
    }

    /// <summary>
    /// Three registers of flat positions (48 from <paramref name="origin"/>) for eight filters: 24 accumulators, each tap
    /// three loads and eight broadcasts for 24 FMAs; the same chains per output as <see cref="EightFiltersTwoFlatVectors"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightFiltersThreeFlatVectors(float* origin, int channels, int planeStride, int rowStride, float* weights,
        int kernelHeight, int kernelWidth, float* target, float* bias, in FlatStore store)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default, c0 = default, c1 = default, c2 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, e0 = default, e1 = default, e2 = default, g0 = default, g1 = default, g2 = default;
        Vector512<float> h0 = default, h1 = default, h2 = default, i0 = default, i1 = default, i2 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeStride + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w += FlatFilterBlock)
                {
                    var x0 = Vector512.Load(row + kx);
                    var x1 = Vector512.Load(row + kx + FlatLanes);
                    var x2 = Vector512.Load(row + kx + 2 * FlatLanes);
                    var weight = Vector512.Create(w[0]);
                    a0 = Vector512.FusedMultiplyAdd(weight, x0, a0); a1 = Vector512.FusedMultiplyAdd(weight, x1, a1); a2 = Vector512.FusedMultiplyAdd(weight, x2, a2);
                    weight = Vector512.Create(w[1]);
                    b0 = Vector512.FusedMultiplyAdd(weight, x0, b0); b1 = Vector512.FusedMultiplyAdd(weight, x1, b1); b2 = Vector512.FusedMultiplyAdd(weight, x2, b2);
                    weight = Vector512.Create(w[2]);
                    c0 = Vector512.FusedMultiplyAdd(weight, x0, c0); c1 = Vector512.FusedMultiplyAdd(weight, x1, c1); c2 = Vector512.FusedMultiplyAdd(weight, x2, c2);
                    weight = Vector512.Create(w[3]);
                    d0 = Vector512.FusedMultiplyAdd(weight, x0, d0); d1 = Vector512.FusedMultiplyAdd(weight, x1, d1); d2 = Vector512.FusedMultiplyAdd(weight, x2, d2);
                    weight = Vector512.Create(w[4]);
                    e0 = Vector512.FusedMultiplyAdd(weight, x0, e0); e1 = Vector512.FusedMultiplyAdd(weight, x1, e1); e2 = Vector512.FusedMultiplyAdd(weight, x2, e2);
                    weight = Vector512.Create(w[5]);
                    g0 = Vector512.FusedMultiplyAdd(weight, x0, g0); g1 = Vector512.FusedMultiplyAdd(weight, x1, g1); g2 = Vector512.FusedMultiplyAdd(weight, x2, g2);
                    weight = Vector512.Create(w[6]);
                    h0 = Vector512.FusedMultiplyAdd(weight, x0, h0); h1 = Vector512.FusedMultiplyAdd(weight, x1, h1); h2 = Vector512.FusedMultiplyAdd(weight, x2, h2);
                    weight = Vector512.Create(w[7]);
                    i0 = Vector512.FusedMultiplyAdd(weight, x0, i0); i1 = Vector512.FusedMultiplyAdd(weight, x1, i1); i2 = Vector512.FusedMultiplyAdd(weight, x2, i2);
                }
            }
        }
        store.Put(target, bias, 0, a0, a1, a2); store.Put(target, bias, 1, b0, b1, b2);
        store.Put(target, bias, 2, c0, c1, c2); store.Put(target, bias, 3, d0, d1, d2);
        store.Put(target, bias, 4, e0, e1, e2); store.Put(target, bias, 5, g0, g1, g2);
        store.Put(target, bias, 6, h0, h1, h2); store.Put(target, bias, 7, i0, i1, i2);
    }

    /// <summary>
    /// Two registers of flat positions (32 from <paramref name="origin"/>) for eight filters: 16 accumulators, each tap
    /// two loads and eight broadcasts for sixteen FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightFiltersTwoFlatVectors(float* origin, int channels, int planeStride, int rowStride, float* weights,
        int kernelHeight, int kernelWidth, float* target, float* bias, in FlatStore store)
    {
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        Vector512<float> e0 = default, e1 = default, g0 = default, g1 = default, h0 = default, h1 = default, i0 = default, i1 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeStride + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w += FlatFilterBlock)
                {
                    var x0 = Vector512.Load(row + kx);
                    var x1 = Vector512.Load(row + kx + FlatLanes);
                    var weight = Vector512.Create(w[0]);
                    a0 = Vector512.FusedMultiplyAdd(weight, x0, a0); a1 = Vector512.FusedMultiplyAdd(weight, x1, a1);
                    weight = Vector512.Create(w[1]);
                    b0 = Vector512.FusedMultiplyAdd(weight, x0, b0); b1 = Vector512.FusedMultiplyAdd(weight, x1, b1);
                    weight = Vector512.Create(w[2]);
                    c0 = Vector512.FusedMultiplyAdd(weight, x0, c0); c1 = Vector512.FusedMultiplyAdd(weight, x1, c1);
                    weight = Vector512.Create(w[3]);
                    d0 = Vector512.FusedMultiplyAdd(weight, x0, d0); d1 = Vector512.FusedMultiplyAdd(weight, x1, d1);
                    weight = Vector512.Create(w[4]);
                    e0 = Vector512.FusedMultiplyAdd(weight, x0, e0); e1 = Vector512.FusedMultiplyAdd(weight, x1, e1);
                    weight = Vector512.Create(w[5]);
                    g0 = Vector512.FusedMultiplyAdd(weight, x0, g0); g1 = Vector512.FusedMultiplyAdd(weight, x1, g1);
                    weight = Vector512.Create(w[6]);
                    h0 = Vector512.FusedMultiplyAdd(weight, x0, h0); h1 = Vector512.FusedMultiplyAdd(weight, x1, h1);
                    weight = Vector512.Create(w[7]);
                    i0 = Vector512.FusedMultiplyAdd(weight, x0, i0); i1 = Vector512.FusedMultiplyAdd(weight, x1, i1);
                }
            }
        }
        store.Put(target, bias, 0, a0, a1); store.Put(target, bias, 1, b0, b1);
        store.Put(target, bias, 2, c0, c1); store.Put(target, bias, 3, d0, d1);
        store.Put(target, bias, 4, e0, e1); store.Put(target, bias, 5, g0, g1);
        store.Put(target, bias, 6, h0, h1); store.Put(target, bias, 7, i0, i1);
    }

    /// <summary>
    /// Where a group of two or three flat registers (positions from p0) goes: the lanes of each output row a register
    /// covers are one masked store into that row of the dense output (an AVX-512 masked store is one instruction and does
    /// not fault on the lanes it leaves), so the columns between rows are dropped without a pass of their own. The rows
    /// each register reaches are found once, here, not per filter; a register past the flat positions is not stored.
    /// </summary>
    private readonly struct FlatStore
    {
        private readonly int _rowStride, _width, _plane, _p0, _first0, _last0, _first1, _last1, _first2, _last2;
        private readonly bool _accumulate, _relu;

        public FlatStore(int rowStride, int height, int width, int plane, int p0, int registers, int flatLength, bool accumulate, bool relu)
        {
            _rowStride = rowStride;
            _width = width;
            _plane = plane;
            _p0 = p0;
            _accumulate = accumulate;
            _relu = relu;
            (_first0, _last0) = Rows(0);
            (_first1, _last1) = Rows(1);
            (_first2, _last2) = Rows(2);

            // The rows register k reaches, empty (first > last) past the flat positions or the group.
            (int, int) Rows(int k)
            {
                int start = p0 + k * FlatLanes;
                if (k >= registers || start >= flatLength) return (1, 0);
                return (start / rowStride, Math.Min(height - 1, (start + FlatLanes - 1) / rowStride));
            }
        }

        /// <summary>Stores filter <paramref name="filter"/>'s two registers into its output plane (plane <paramref name="filter"/> from <paramref name="target"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(float* target, float* bias, int filter, Vector512<float> first, Vector512<float> second)
        {
            float* plane = target + (nint)filter * _plane;
            var shift = Vector512.Create(bias == null ? 0f : bias[filter]);
            PutRows(plane, _p0, _first0, _last0, Finish(first, shift));
            PutRows(plane, _p0 + FlatLanes, _first1, _last1, Finish(second, shift));
        }

        /// <summary>The same for three registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(float* target, float* bias, int filter, Vector512<float> first, Vector512<float> second, Vector512<float> third)
        {
            Put(target, bias, filter, first, second);
            var shift = Vector512.Create(bias == null ? 0f : bias[filter]);
            PutRows(target + (nint)filter * _plane, _p0 + 2 * FlatLanes, _first2, _last2, Finish(third, shift));
        }

        /// <summary>The bias added, then the ReLU if fused: the order of the 256-bit kernels' stores.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<float> Finish(Vector512<float> values, Vector512<float> shift)
        {
            values += shift;
            return _relu ? Vector512.Max(values, Vector512<float>.Zero) : values;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void PutRows(float* plane, int p0, int firstRow, int lastRow, Vector512<float> values)
        {
            for (int oy = firstRow; oy <= lastRow; oy++)
            {
                // Lane i holds column p0 + i − oy·S of row oy; the lanes whose column is in [0, width) are that row's.
                int first = oy * _rowStride - p0;
                var mask = Vector512.LessThan((Vector512<int>.Indices - Vector512.Create(first)).AsUInt32(), Vector512.Create((uint)_width)).AsSingle();
                float* t = plane + (nint)oy * _width - first;
                var v = _accumulate ? values + Avx512F.MaskLoad(t, mask, Vector512<float>.Zero) : values;
                Avx512F.MaskStore(t, mask, v);
            }
        }
    }

    /// <summary>
    /// Writes floats [0, <paramref name="length"/>) of flat padded planes at <paramref name="target"/> (a multiple of 16):
    /// the <paramref name="planes"/> height×width planes of <paramref name="source"/>, plane p's row r at flat position
    /// p·<paramref name="planeStride"/> + (r + <paramref name="top"/>)·S + <paramref name="left"/> with S =
    /// <paramref name="rowStride"/>, zeros everywhere else. With <paramref name="reluOutput"/> (the ReLU's output above,
    /// same layout as the source) a value is kept only where it is above zero, the ReLU layer's own select; with
    /// <paramref name="planeSums"/> each plane's written sum is added to planeSums[p] (then the plane stride must be a
    /// multiple of 16, so no register holds two planes).
    /// </summary>
    /// <remarks>
    /// Each 16-float register of the target is put together from masked loads of the (up to three) rows it reaches,
    /// which land in their lanes with zeros around them, and stored once. Zeroing the planes and then storing rows over
    /// the zeros made the kernels' loads that follow straight after straddle several pending stores, which the core does
    /// not forward from: they waited for the stores to reach the cache.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteFlatPlanes(float* source, float* reluOutput, int planes, int height, int width, float* target, int planeStride, int rowStride,
        int top, int left, int length, float* planeSums)
    {
        int rows = planes * height, firstRowStart = top * rowStride + left;
        var rowWidth = Vector512.Create((uint)width);
        var sum = Vector512<float>.Zero;
        // The first row not yet wholly written: its index, its plane, its row in the plane and its flat position.
        int row = 0, plane = 0, rowInPlane = 0, start = firstRowStart;
        for (int q0 = 0; q0 < length; q0 += FlatLanes)
        {
            var chunk = Vector512<float>.Zero;
            int r = row, rp = plane, ri = rowInPlane, rs = start;
            while (r < rows && rs < q0 + FlatLanes)
            {
                // Lane i of this register is column q0 + i − rs of row r.
                int lane0 = rs - q0;
                var mask = Vector512.LessThan((Vector512<int>.Indices - Vector512.Create(lane0)).AsUInt32(), rowWidth).AsSingle();
                var values = Avx512F.MaskLoad(source + (nint)r * width - lane0, mask, Vector512<float>.Zero);
                if (reluOutput != null)
                {
                    var kept = Vector512.GreaterThan(Avx512F.MaskLoad(reluOutput + (nint)r * width - lane0, mask, Vector512<float>.Zero), Vector512<float>.Zero);
                    values = Vector512.ConditionalSelect(kept, values, Vector512<float>.Zero);
                }
                chunk += values;
                sum += values;
                if (rs + width > q0 + FlatLanes) break; // the row goes on in the next register
                // Row r is written: the next one, in this plane or the next.
                r++;
                if (++ri == height)
                {
                    if (planeSums != null) planeSums[rp] += Vector512.Sum(sum);
                    sum = Vector512<float>.Zero;
                    ri = 0;
                    rp++;
                    rs = rp * planeStride + firstRowStart;
                }
                else rs += rowStride;
                row = r; plane = rp; rowInPlane = ri; start = rs;
            }
            chunk.Store(target + q0);
        }
    }

    /// <summary>Taps a weight-gradient pass takes: on flat planes a tap is just an offset, so any three.</summary>
    private const int FlatTapGroup = 3;

    /// <summary>
    /// Floats of the per-lane weight-gradient sums of a layer: 16 per weight, and per block of eight filters and
    /// channel the taps rounded up to whole groups of <see cref="FlatTapGroup"/>.
    /// </summary>
    public static int FlatLaneSums(int filters, int channels, int taps) => filters * channels * RoundUp(taps, FlatTapGroup) * FlatLanes;

    /// <summary>
    /// Adds Σ_n Σ_v dy[n, f, v·16 + lane] · planes[n, c, v·16 + lane + ky·S + kx] over <paramref name="images"/> images
    /// and <paramref name="vectors"/> registers of flat positions to the weight gradient's per-lane sums in
    /// <paramref name="lanes"/> (<see cref="FlatLaneSums"/> floats, kept across images and folded by
    /// <see cref="FoldFlatWeightGradient"/>). <paramref name="gradient"/> is image 0's first flat position of dy's filter
    /// 0 (planes <paramref name="gradientPlane"/> apart, images <paramref name="gradientImage"/>, zeros between rows and
    /// after the last); the images' input planes are <paramref name="imageStride"/> apart. The sums of a pass (three taps
    /// of eight filters) lie side by side: [f0/8, c, tap group, filter, tap in group, lane].
    /// </summary>
    /// <remarks>
    /// Several images a pass because the pass loads and stores its 24 sums: for one 4×4 image (two registers of
    /// positions) that was two 512-bit memory operations per FMA pair, and the stores, not the FMAs, set the pace.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateFlatWeightGradient(float* planes, int channels, int planeStride, int rowStride, int imageStride, float* gradient,
        int gradientPlane, int gradientImage, int images, int filters, int kernelHeight, int kernelWidth, int vectors, float* lanes)
    {
        int taps = kernelHeight * kernelWidth;
        for (int f0 = 0; f0 < filters; f0 += FlatFilterBlock)
        {
            for (int c = 0; c < channels; c++)
            {
                // A short last group repeats its last tap; those sums are computed twice and never folded.
                for (int t = 0; t < taps; t += FlatTapGroup, lanes += FlatFilterBlock * FlatTapGroup * FlatLanes)
                {
                    int t1 = Math.Min(t + 1, taps - 1), t2 = Math.Min(t + 2, taps - 1);
                    ThreeTapsEightFilters(planes + (nint)c * planeStride + Offset(t), Offset(t1) - Offset(t), Offset(t2) - Offset(t), imageStride,
                        gradient + (nint)f0 * gradientPlane, gradientPlane, gradientImage, images, vectors, lanes);
                }
            }
        }

        int Offset(int tap) => tap / kernelWidth * rowStride + tap % kernelWidth;
    }

    /// <summary>
    /// One pass of <see cref="AccumulateFlatWeightGradient"/>: three taps (at x, x + <paramref name="delta1"/>, x +
    /// <paramref name="delta2"/>) of eight filters, 24 accumulators loaded from and stored back to 24 side-by-side lane
    /// sums; each register step is three image loads and eight of dy for 24 FMAs. dy's eight planes are reached from three
    /// pointers and a stride (k = 0..2, 3..5, 6..7), so the loop keeps its pointers in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreeTapsEightFilters(float* image, int delta1, int delta2, int imageStride, float* gradient, int gradientPlane, int gradientImage,
        int images, int vectors, float* lanes)
    {
        nint stride = gradientPlane, stride2 = 2 * (nint)gradientPlane;
        var a0 = Vector512.Load(lanes + 0 * FlatLanes); var a1 = Vector512.Load(lanes + 1 * FlatLanes); var a2 = Vector512.Load(lanes + 2 * FlatLanes);
        var b0 = Vector512.Load(lanes + 3 * FlatLanes); var b1 = Vector512.Load(lanes + 4 * FlatLanes); var b2 = Vector512.Load(lanes + 5 * FlatLanes);
        var c0 = Vector512.Load(lanes + 6 * FlatLanes); var c1 = Vector512.Load(lanes + 7 * FlatLanes); var c2 = Vector512.Load(lanes + 8 * FlatLanes);
        var d0 = Vector512.Load(lanes + 9 * FlatLanes); var d1 = Vector512.Load(lanes + 10 * FlatLanes); var d2 = Vector512.Load(lanes + 11 * FlatLanes);
        var e0 = Vector512.Load(lanes + 12 * FlatLanes); var e1 = Vector512.Load(lanes + 13 * FlatLanes); var e2 = Vector512.Load(lanes + 14 * FlatLanes);
        var h0 = Vector512.Load(lanes + 15 * FlatLanes); var h1 = Vector512.Load(lanes + 16 * FlatLanes); var h2 = Vector512.Load(lanes + 17 * FlatLanes);
        var i0 = Vector512.Load(lanes + 18 * FlatLanes); var i1 = Vector512.Load(lanes + 19 * FlatLanes); var i2 = Vector512.Load(lanes + 20 * FlatLanes);
        var j0 = Vector512.Load(lanes + 21 * FlatLanes); var j1 = Vector512.Load(lanes + 22 * FlatLanes); var j2 = Vector512.Load(lanes + 23 * FlatLanes);
        for (int n = 0; n < images; n++, image += imageStride, gradient += gradientImage)
        {
            float* x = image, gA = gradient, gB = gradient + 3 * stride, gC = gradient + 6 * stride;
            for (int v = 0; v < vectors; v++, x += FlatLanes, gA += FlatLanes, gB += FlatLanes, gC += FlatLanes)
            {
                var x0 = Vector512.Load(x);
                var x1 = Vector512.Load(x + delta1);
                var x2 = Vector512.Load(x + delta2);
                var g = Vector512.Load(gA);
                a0 = Vector512.FusedMultiplyAdd(g, x0, a0); a1 = Vector512.FusedMultiplyAdd(g, x1, a1); a2 = Vector512.FusedMultiplyAdd(g, x2, a2);
                g = Vector512.Load(gA + stride);
                b0 = Vector512.FusedMultiplyAdd(g, x0, b0); b1 = Vector512.FusedMultiplyAdd(g, x1, b1); b2 = Vector512.FusedMultiplyAdd(g, x2, b2);
                g = Vector512.Load(gA + stride2);
                c0 = Vector512.FusedMultiplyAdd(g, x0, c0); c1 = Vector512.FusedMultiplyAdd(g, x1, c1); c2 = Vector512.FusedMultiplyAdd(g, x2, c2);
                g = Vector512.Load(gB);
                d0 = Vector512.FusedMultiplyAdd(g, x0, d0); d1 = Vector512.FusedMultiplyAdd(g, x1, d1); d2 = Vector512.FusedMultiplyAdd(g, x2, d2);
                g = Vector512.Load(gB + stride);
                e0 = Vector512.FusedMultiplyAdd(g, x0, e0); e1 = Vector512.FusedMultiplyAdd(g, x1, e1); e2 = Vector512.FusedMultiplyAdd(g, x2, e2);
                g = Vector512.Load(gB + stride2);
                h0 = Vector512.FusedMultiplyAdd(g, x0, h0); h1 = Vector512.FusedMultiplyAdd(g, x1, h1); h2 = Vector512.FusedMultiplyAdd(g, x2, h2);
                g = Vector512.Load(gC);
                i0 = Vector512.FusedMultiplyAdd(g, x0, i0); i1 = Vector512.FusedMultiplyAdd(g, x1, i1); i2 = Vector512.FusedMultiplyAdd(g, x2, i2);
                g = Vector512.Load(gC + stride);
                j0 = Vector512.FusedMultiplyAdd(g, x0, j0); j1 = Vector512.FusedMultiplyAdd(g, x1, j1); j2 = Vector512.FusedMultiplyAdd(g, x2, j2);
            }
        }
        a0.Store(lanes + 0 * FlatLanes); a1.Store(lanes + 1 * FlatLanes); a2.Store(lanes + 2 * FlatLanes);
        b0.Store(lanes + 3 * FlatLanes); b1.Store(lanes + 4 * FlatLanes); b2.Store(lanes + 5 * FlatLanes);
        c0.Store(lanes + 6 * FlatLanes); c1.Store(lanes + 7 * FlatLanes); c2.Store(lanes + 8 * FlatLanes);
        d0.Store(lanes + 9 * FlatLanes); d1.Store(lanes + 10 * FlatLanes); d2.Store(lanes + 11 * FlatLanes);
        e0.Store(lanes + 12 * FlatLanes); e1.Store(lanes + 13 * FlatLanes); e2.Store(lanes + 14 * FlatLanes);
        h0.Store(lanes + 15 * FlatLanes); h1.Store(lanes + 16 * FlatLanes); h2.Store(lanes + 17 * FlatLanes);
        i0.Store(lanes + 18 * FlatLanes); i1.Store(lanes + 19 * FlatLanes); i2.Store(lanes + 20 * FlatLanes);
        j0.Store(lanes + 21 * FlatLanes); j1.Store(lanes + 22 * FlatLanes); j2.Store(lanes + 23 * FlatLanes);
    }

    /// <summary>
    /// dW[f, c, t] += the sum of its 16 lane sums (laid out as <see cref="AccumulateFlatWeightGradient"/> writes them), for
    /// the weights [filters, channels, taps]: once per thread's images, in a fixed order.
    /// </summary>
    public static void FoldFlatWeightGradient(float* lanes, int filters, int channels, int taps, float* weightGradient)
    {
        int groups = RoundUp(taps, FlatTapGroup) / FlatTapGroup;
        for (int f0 = 0; f0 < filters; f0 += FlatFilterBlock)
        for (int c = 0; c < channels; c++)
        for (int group = 0; group < groups; group++, lanes += FlatFilterBlock * FlatTapGroup * FlatLanes)
        for (int k = 0; k < FlatFilterBlock; k++)
        for (int j = 0; j < FlatTapGroup; j++)
        {
            int t = group * FlatTapGroup + j;
            if (t < taps)
                weightGradient[((nint)(f0 + k) * channels + c) * taps + t] += Vector512.Sum(Vector512.Load(lanes + (k * FlatTapGroup + j) * FlatLanes));
        }
    }
}
