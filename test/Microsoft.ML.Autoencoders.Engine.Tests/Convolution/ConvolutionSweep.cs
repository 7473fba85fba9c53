using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// One randomized convolution case, drawn from a seed, and every path the layer has run on it: each kernel set this
/// machine has (256-bit, and 512-bit with its flat planes), one, two and three threads, forward plain and with a fused
/// activation, backward writing and adding dx, below an activation, without dx, and again on the same layer and buffers
/// after a bigger batch of other data. Each result is held to the definition in doubles, and where the layer promises the
/// same bits (y and dx whatever the kernel set or thread count; dW and db whatever the thread count; a pass the same bits
/// as its parts run apart; a call the same bits as the same call on a fresh layer) to those bits. Returns what went wrong instead of asserting, so a long
/// sweep can count every failing seed.
/// </summary>
internal static class ConvolutionSweep
{
    /// <summary>The kernel sets this machine can run: always the 256-bit one, the 512-bit one with AVX-512.</summary>
    public static readonly bool[] KernelSets = DirectConvolution.Vector512Supported ? [false, true] : [false];

    /// <summary>A drawn case: the geometry, filters, batch and the bigger batch run before it on the same layer.</summary>
    public sealed record LayerCase(ConvGeometry Geometry, int Filters, int Batch, int EarlierBatch, string Family)
    {
        public override string ToString()
        {
            var g = Geometry;
            return $"{Family}: C={g.Channels} H={g.Height} W={g.Width} F={Filters} k={g.KernelHeight}x{g.KernelWidth} s={g.Stride} d={g.Dilation} " +
                $"pad(t,l,b,r)=({g.PadTop},{g.PadLeft},{g.PadBottom},{g.PadRight}) batch={Batch} earlier={EarlierBatch}";
        }

        /// <summary>Multiply-adds of the double reference: what keeps a sweep's time bounded.</summary>
        public long Cost => (long)(Batch + EarlierBatch) * Filters * Geometry.OutputPositions * Geometry.PatchSize;
    }

    /// <summary>
    /// A case from <paramref name="seed"/>, of at most <paramref name="maxCost"/> reference multiply-adds. A quarter are
    /// shaped for the flat planes (stride 1, outputs at most 8 wide and as large as the input, channels and filters in
    /// eights), a quarter for the row-chunk direct kernels (stride 1, padding within the kernel, rectangular kernels and
    /// one-sided padding too), a quarter like the Keras-blog network's layers, whose kernels the engine tunes for (3×3,
    /// 1, 8 or 16 channels and filters, some off by one), a quarter anything the layer takes (strides, dilation, wide
    /// explicit padding: im2col).
    /// </summary>
    public static LayerCase Draw(int seed, long maxCost)
    {
        var r = new SeededRandom(1_000_003L * seed + 12345);
        for (int attempt = 0; ; attempt++)
        {
            int family = r.NextInt(4);
            LayerCase? drawn = family switch
            {
                0 => DrawFlat(r),
                1 => DrawDirect(r),
                2 => DrawBlogLike(r),
                _ => DrawAny(r),
            };
            if (drawn != null && drawn.Cost <= maxCost) return drawn;
        }
    }

    private static int Size(SeededRandom r, int most) => r.NextInt(3) == 0 ? 1 + r.NextInt(8) : 1 + r.NextInt(most);

    private static int Batch(SeededRandom r) => r.NextInt(4) == 0 ? 1 + r.NextInt(3) : 1 + r.NextInt(19);

    private static LayerCase Make(ConvGeometry g, int filters, SeededRandom r, string family)
    {
        int batch = Batch(r);
        return new LayerCase(g, filters, batch, batch + 1 + r.NextInt(8), family);
    }

    private static LayerCase? DrawFlat(SeededRandom r)
    {
        int channels = 8 * (1 + r.NextInt(2)), filters = 8 * (1 + r.NextInt(2));
        int h = 1 + r.NextInt(r.NextInt(4) == 0 ? 14 : 8), w = 1 + r.NextInt(8);
        int kh = 1 + r.NextInt(5), kw = r.NextInt(3) == 0 ? 1 + r.NextInt(5) : kh;
        // Padding totalling kernel − 1 on each axis, split any way (Keras' same puts the odd one after).
        int top = r.NextInt(kh), left = r.NextInt(kw);
        var g = new ConvGeometry(channels, h, w, kh, kw, 1, 1, top, left, kh - 1 - top, kw - 1 - left);
        if (filters * g.PatchSize > DirectConvolution.FlatMaxWeights) return null;
        return Make(g, filters, r, "flat");
    }

    private static LayerCase? DrawDirect(SeededRandom r)
    {
        int channels = 1 + r.NextInt(20), filters = 1 + r.NextInt(20);
        int h = Size(r, 30), w = Size(r, 30);
        int kh = 1 + r.NextInt(5), kw = r.NextInt(3) == 0 ? 1 + r.NextInt(5) : kh;
        ConvGeometry g;
        switch (r.NextInt(3))
        {
            case 0:
                var (top, bottom) = ConvGeometry.SamePadding(h, kh, 1, 1);
                var (left, right) = ConvGeometry.SamePadding(w, kw, 1, 1);
                g = new ConvGeometry(channels, h, w, kh, kw, 1, 1, top, left, bottom, right);
                break;
            case 1:
                g = new ConvGeometry(channels, h, w, kh, kw, 1, 1, 0, 0, 0, 0);
                break;
            default:
                g = new ConvGeometry(channels, h, w, kh, kw, 1, 1, r.NextInt(kh), r.NextInt(kw), r.NextInt(kh), r.NextInt(kw));
                break;
        }
        if (g.OutputHeight <= 0 || g.OutputWidth <= 0) return null;
        return Make(g, filters, r, "direct");
    }

    private static LayerCase? DrawBlogLike(SeededRandom r)
    {
        int[] counts = [1, 4, 8, 16, 16, 3, 7, 12, 20];
        int channels = counts[r.NextInt(counts.Length)], filters = counts[r.NextInt(counts.Length)];
        int h = 1 + r.NextInt(30), w = r.NextInt(2) == 0 ? h : 1 + r.NextInt(30);
        int k = r.NextInt(4) == 0 ? 1 + r.NextInt(5) : 3;
        var (top, bottom) = ConvGeometry.SamePadding(h, k, 1, 1);
        var (left, right) = ConvGeometry.SamePadding(w, k, 1, 1);
        var g = r.NextInt(4) == 0
            ? new ConvGeometry(channels, h, w, k, k, 1, 1, 0, 0, 0, 0)
            : new ConvGeometry(channels, h, w, k, k, 1, 1, top, left, bottom, right);
        if (g.OutputHeight <= 0 || g.OutputWidth <= 0) return null;
        return Make(g, filters, r, "blog-like");
    }

    private static LayerCase? DrawAny(SeededRandom r)
    {
        int channels = 1 + r.NextInt(20), filters = 1 + r.NextInt(20);
        int h = Size(r, 30), w = Size(r, 30), k = 1 + r.NextInt(5), stride = 1 + r.NextInt(3), dilation = 1 + r.NextInt(2);
        int top, left, bottom, right;
        switch (r.NextInt(3))
        {
            case 0:
                (top, bottom) = ConvGeometry.SamePadding(h, k, stride, dilation);
                (left, right) = ConvGeometry.SamePadding(w, k, stride, dilation);
                break;
            case 1:
                top = left = bottom = right = 0;
                break;
            default:
                top = left = bottom = right = r.NextInt(k + 2);
                break;
        }
        var g = new ConvGeometry(channels, h, w, k, k, stride, dilation, top, left, bottom, right);
        if (g.OutputHeight <= 0 || g.OutputWidth <= 0) return null;
        return Make(g, filters, r, "any");
    }

    /// <summary>Runs every path on <paramref name="c"/> and returns the first few things that went wrong (empty when none).</summary>
    public static List<string> RunLayerCase(LayerCase c, int seed)
    {
        var problems = new List<string>();
        var g = c.Geometry;
        var random = new SeededRandom(seed * 7919L + 1);
        var template = new Conv2d(g, c.Filters, WeightInitialization.XavierUniform);
        var templateStore = new ParameterStore(template.Parameters);
        template.Initialize(random);
        TestData.Uniform(random, template.Bias.Length, -0.5f, 0.5f).CopyTo(template.Bias.Values);
        float[] weights = templateStore.Values.ToArray();
        int inputSize = template.InputSize, outputSize = template.OutputSize;
        float[] x = TestData.Uniform(random, c.Batch * inputSize, -1f, 1f);
        float[] dy = TestData.Uniform(random, c.Batch * outputSize, -1f, 1f);
        float[] earlierX = TestData.Uniform(random, c.EarlierBatch * inputSize, -2f, 2f);
        float[] earlierDy = TestData.Uniform(random, c.EarlierBatch * outputSize, -2f, 2f);
        float[] earlierDx = TestData.Uniform(random, c.Batch * inputSize, -1f, 1f);
        float[] earlierGradients = TestData.Uniform(random, weights.Length, -1f, 1f);
        float[] activationGradient = TestData.Uniform(random, dy.Length, -1f, 1f);
        var reference = new ConvolutionReference(g, c.Filters, template.Weights.Values.ToArray(), template.Bias.Values.ToArray(), x, dy, c.Batch);

        float[]? firstY = null, firstDx = null;
        // Each 512-bit run's parameter gradients by thread count, for the layer switched to that kernel set after running on the other.
        var wideGradients = new Dictionary<int, (float[] Dw, float[] Db)>();
        // One thread's parameter gradients on each kernel set, which every thread count must give.
        var gradientsByKernelSet = new Dictionary<bool, (float[] Dw, float[] Db)>();
        foreach (bool wide in KernelSets)
        {
            // Three threads too: parts of a batch that split unevenly, more parts than cores.
            foreach (int threads in new[] { 1, 2, 3 })
            {
                string where = $"{(wide ? 512 : 256)}-bit, {threads} thread(s)";
                void Check(bool ok, string what)
                {
                    if (!ok && problems.Count < 6) problems.Add($"{what}, {where}");
                }

                var layer = new Conv2d(g, c.Filters, WeightInitialization.XavierUniform);
                var store = new ParameterStore(layer.Parameters);
                weights.CopyTo(store.Values, 0);
                if (layer.IsDirect) layer.UsesVector512 = wide;
                else if (wide) continue; // the kernel set is the direct path's; im2col runs the same either way
                var context = new LayerContext(Training: true, Threads: threads);
                var overwrite = context with { OverwriteInputGradient = true };
                int scratchSize = layer.ScratchSizePerSample;

                // Fresh layer: forward, backward writing dx over NaNs.
                float[] scratch = TestData.Filled(c.Batch * scratchSize, float.NaN);
                float[] y = TestData.Filled(c.Batch * outputSize, float.NaN);
                layer.Forward(x, y, scratch, c.Batch, context);
                float[] dx = TestData.Filled(x.Length, float.NaN);
                store.ZeroGradients();
                layer.Backward(x, y, dy, dx, scratch, c.Batch, overwrite);
                float[] dW = layer.Weights.Gradients.ToArray(), db = layer.Bias.Gradients.ToArray();
                Check(ConvolutionReference.Close(reference.Y, reference.YScale, y, out string? m1), $"y {m1}");
                Check(ConvolutionReference.Close(reference.Dx, reference.DxScale, dx, out string? m2), $"dx {m2}");
                Check(ConvolutionReference.Close(reference.Dw, reference.DwScale, dW, out string? m3), $"dW {m3}");
                Check(ConvolutionReference.Close(reference.Db, reference.DbScale, db, out string? m4), $"db {m4}");

                // The promise of the same y and dx bits whatever the kernel set and thread count.
                firstY ??= y;
                firstDx ??= dx;
                Check(firstY.AsSpan().SequenceEqual(y), "y bits differ from the first path's");
                Check(firstDx.AsSpan().SequenceEqual(dx), "dx bits differ from the first path's");

                // dW and db: the same bits whatever the thread count, on a given kernel set (the two sum in other orders).
                if (!gradientsByKernelSet.TryGetValue(wide, out var firstGradients)) gradientsByKernelSet[wide] = (dW, db);
                else
                {
                    Check(firstGradients.Dw.AsSpan().SequenceEqual(dW), "dW bits differ from one thread's");
                    Check(firstGradients.Db.AsSpan().SequenceEqual(db), "db bits differ from one thread's");
                }

                // Backward adding into dx and into gradients already there.
                float[] dxAdded = (float[])earlierDx.Clone();
                earlierGradients.AsSpan(0, layer.Weights.Length).CopyTo(layer.Weights.Gradients);
                earlierGradients.AsSpan(layer.Weights.Length).CopyTo(layer.Bias.Gradients);
                layer.Backward(x, y, dy, dxAdded, scratch, c.Batch, context);
                Check(AddedClose(earlierDx, dx, dxAdded), "dx added");
                Check(AddedClose(earlierGradients.AsSpan(0, dW.Length).ToArray(), dW, layer.Weights.Gradients.ToArray()), "dW added to earlier gradients");
                Check(AddedClose(earlierGradients.AsSpan(dW.Length).ToArray(), db, layer.Bias.Gradients.ToArray()), "db added to earlier gradients");

                // Without dx: the same parameter-gradient bits.
                store.ZeroGradients();
                layer.Backward(x, y, dy, Span<float>.Empty, scratch, c.Batch, context);
                Check(dW.AsSpan().SequenceEqual(layer.Weights.Gradients), "dW bits without dx");
                Check(db.AsSpan().SequenceEqual(layer.Bias.Gradients), "db bits without dx");

                // Fused activations forward: the bits of the convolution then the activation layer.
                foreach (var activation in new[] { Activation.Relu, Activation.Sigmoid, Activation.Tanh })
                {
                    var act = ActivationLayer.Create(activation, outputSize)!;
                    float[] apart = new float[y.Length];
                    act.Forward(y, apart, Span<float>.Empty, c.Batch, context);
                    float[] fusedScratch = TestData.Filled(scratch.Length, float.NaN), fused = TestData.Filled(y.Length, float.NaN);
                    bool ran = layer.TryForwardActivated(x, Span<float>.Empty, fused, fusedScratch, act, c.Batch, context);
                    // Tanh has no fused form: the layer must decline it rather than run something else.
                    Check(ran == act.HasFusedForm, $"fused {activation} forward ran: {ran}");
                    if (ran) Check(apart.AsSpan().SequenceEqual(fused), $"fused {activation} forward bits");

                    // Backward below the activation: the bits of the activation's gradient then the convolution's backward.
                    if (!layer.IsDirect) continue;
                    float[] dz = new float[dy.Length];
                    act.Backward(y, apart, activationGradient, dz, Span<float>.Empty, c.Batch, overwrite);
                    store.ZeroGradients();
                    float[] dxApart = TestData.Filled(x.Length, float.NaN);
                    layer.Backward(x, y, dz, dxApart, scratch, c.Batch, overwrite);
                    float[] dWApart = layer.Weights.Gradients.ToArray(), dbApart = layer.Bias.Gradients.ToArray();
                    store.ZeroGradients();
                    float[] dxBelow = TestData.Filled(x.Length, float.NaN);
                    layer.TryBackwardBelowActivation(x, apart, activationGradient, dxBelow, scratch, act, c.Batch, overwrite);
                    Check(dxApart.AsSpan().SequenceEqual(dxBelow), $"dx below {activation} bits");
                    Check(dWApart.AsSpan().SequenceEqual(layer.Weights.Gradients), $"dW below {activation} bits");
                    Check(dbApart.AsSpan().SequenceEqual(layer.Bias.Gradients), $"db below {activation} bits");
                }

                // The same layer after a bigger batch of other data over bigger buffers (their padded borders and tails
                // dirtied), then the case again on those buffers: the fresh layer's bits.
                float[] bigScratch = TestData.Filled(c.EarlierBatch * scratchSize, float.NaN);
                float[] bigY = new float[c.EarlierBatch * outputSize], bigDx = new float[earlierX.Length];
                layer.Forward(earlierX, bigY, bigScratch, c.EarlierBatch, context);
                layer.Backward(earlierX, bigY, earlierDy, bigDx, bigScratch, c.EarlierBatch, overwrite);
                bigY.AsSpan().Fill(float.NaN);
                layer.Forward(x, bigY, bigScratch, c.Batch, context);
                float[] dx2 = (float[])bigDx.Clone();
                store.ZeroGradients();
                layer.Backward(x, bigY, dy, dx2, bigScratch, c.Batch, overwrite);
                Check(y.AsSpan().SequenceEqual(bigY.AsSpan(0, y.Length)), "y bits after a bigger batch");
                Check(dx.AsSpan().SequenceEqual(dx2.AsSpan(0, dx.Length)), "dx bits after a bigger batch");
                Check(bigDx.AsSpan(dx.Length).SequenceEqual(dx2.AsSpan(dx.Length)), "dx written past the batch");
                Check(dW.AsSpan().SequenceEqual(layer.Weights.Gradients), "dW bits after a bigger batch");
                Check(db.AsSpan().SequenceEqual(layer.Bias.Gradients), "db bits after a bigger batch");
                if (wide) wideGradients[threads] = (dW, db);
            }
        }

        // A layer that ran on the 256-bit kernels, switched to the 512-bit ones (its layout remade, buffers of the old one
        // left over): the bits of a layer that ran on them from the start.
        foreach (var (threads, expected) in wideGradients)
        {
            var layer = new Conv2d(g, c.Filters, WeightInitialization.XavierUniform);
            var store = new ParameterStore(layer.Parameters);
            weights.CopyTo(store.Values, 0);
            layer.UsesVector512 = false;
            var context = new LayerContext(Training: true, Threads: threads) { OverwriteInputGradient = true };
            float[] y = new float[c.Batch * outputSize], dx = new float[x.Length], narrowScratch = new float[c.Batch * layer.ScratchSizePerSample];
            layer.Forward(earlierX.AsSpan(0, x.Length), y, narrowScratch, c.Batch, context);
            layer.Backward(x, y, earlierDy.AsSpan(0, dy.Length), dx, narrowScratch, c.Batch, context);
            layer.UsesVector512 = true;
            float[] scratch = TestData.Filled(c.Batch * layer.ScratchSizePerSample, float.NaN);
            layer.Forward(x, y, scratch, c.Batch, context);
            store.ZeroGradients();
            layer.Backward(x, y, dy, dx, scratch, c.Batch, context);
            string where = $"switched to 512-bit, {threads} thread(s)";
            if (problems.Count < 6 && !firstY!.AsSpan().SequenceEqual(y)) problems.Add($"y bits, {where}");
            if (problems.Count < 6 && !firstDx!.AsSpan().SequenceEqual(dx)) problems.Add($"dx bits, {where}");
            if (problems.Count < 6 && !expected.Dw.AsSpan().SequenceEqual(layer.Weights.Gradients)) problems.Add($"dW bits, {where}");
            if (problems.Count < 6 && !expected.Db.AsSpan().SequenceEqual(layer.Bias.Gradients)) problems.Add($"db bits, {where}");
        }
        return problems;
    }


    /// <summary>Whether <paramref name="sum"/> is <paramref name="earlier"/> + <paramref name="added"/> up to one rounding of each.</summary>
    private static bool AddedClose(float[] earlier, float[] added, float[] sum)
    {
        for (int i = 0; i < sum.Length; i++)
        {
            double expected = (double)earlier[i] + added[i];
            if (!(Math.Abs(sum[i] - expected) <= 1e-5 * (1 + Math.Abs(earlier[i]) + Math.Abs(added[i])))) return false;
        }
        return true;
    }
}
