using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>L = mean((p - t)²); dL/dp = 2 (p - t) / n.</summary>
public sealed class MeanSquaredErrorLoss : Loss
{
    /// <summary>
    /// Elements summed in float vector lanes before the partial sum joins the double total: short enough that
    /// float rounding stays far below what training notices, long enough that the conversion costs nothing. The
    /// blocks are also the units the threads share out, so the total is the same for any thread count.
    /// </summary>
    private const int BlockLength = ParallelRange.Grain;

    /// <summary>One partial sum per block, added up in order once every block is done; grown on demand, then reused.</summary>
    private double[] _blockSums = [];

    /// <inheritdoc/>
    public override LossKind Kind => LossKind.MeanSquaredError;

    /// <inheritdoc/>
    public override double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient) =>
        Run(prediction, target, gradient, throughSigmoid: false);

    /// <summary>
    /// The loss of a sigmoid output <paramref name="prediction"/> = σ(z), with dL/dz written (not added) into
    /// <paramref name="preActivationGradient"/>: the loss's gradient and the sigmoid's backward in one pass, the same
    /// bits as <see cref="Compute"/> into a cleared buffer followed by the sigmoid layer's backward.
    /// </summary>
    internal double ComputeThroughSigmoid(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> preActivationGradient)
    {
        if (preActivationGradient.IsEmpty) throw new ArgumentException("The pre-activation gradient is required.", nameof(preActivationGradient));
        return Run(prediction, target, preActivationGradient, throughSigmoid: true);
    }

    private unsafe double Run(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, bool throughSigmoid)
    {
        CheckLengths(prediction, target, gradient);
        int n = prediction.Length;
        if (n == 0) return double.NaN;
        int blocks = (n + BlockLength - 1) / BlockLength;
        if (_blockSums.Length < blocks) _blockSums = new double[blocks];
        fixed (float* p = prediction)
        fixed (float* t = target)
        fixed (float* g = gradient)
        fixed (double* sums = _blockSums)
        {
            // One fused pass: the squared error and the gradient from the same difference, each buffer read once.
            ParallelRange.Run(n, Threads, new Pass(p, t, gradient.IsEmpty ? null : g, sums, 2f / n, throughSigmoid));
        }

        double sum = 0;
        for (int b = 0; b < blocks; b++) sum += _blockSums[b];
        return sum / n;
    }

    /// <summary>
    /// The blocks in one range: each block's squared error into its slot; the gradient added to, or, through the sigmoid,
    /// dL/dz = (scale·d)·y·(1 - y) written.
    /// </summary>
    private readonly unsafe struct Pass(float* prediction, float* target, float* gradient, double* blockSums, float scale, bool throughSigmoid) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = Vector<float>.Count;
            var vScale = new Vector<float>(scale);
            for (int blockStart = start; blockStart < end; blockStart += BlockLength)
            {
                int blockEnd = Math.Min(blockStart + BlockLength, end), i = blockStart;
                Vector<float> acc0 = Vector<float>.Zero, acc1 = Vector<float>.Zero;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; i <= blockEnd - 2 * width; i += 2 * width)
                    {
                        var p0 = Vector.Load(prediction + i);
                        var p1 = Vector.Load(prediction + i + width);
                        var d0 = p0 - Vector.Load(target + i);
                        var d1 = p1 - Vector.Load(target + i + width);
                        acc0 += d0 * d0;
                        acc1 += d1 * d1;
                        if (gradient == null) continue;
                        if (throughSigmoid)
                        {
                            // Sigmoid backward's own order, dy·y·(1 - y), so the bits match the two passes.
                            (vScale * d0 * p0 * (Vector<float>.One - p0)).Store(gradient + i);
                            (vScale * d1 * p1 * (Vector<float>.One - p1)).Store(gradient + i + width);
                        }
                        else
                        {
                            (Vector.Load(gradient + i) + vScale * d0).Store(gradient + i);
                            (Vector.Load(gradient + i + width) + vScale * d1).Store(gradient + i + width);
                        }
                    }
                }

                double sum = Vector.Sum(acc0 + acc1);
                for (; i < blockEnd; i++)
                {
                    float y = prediction[i], d = y - target[i];
                    sum += d * d;
                    if (gradient == null) continue;
                    if (throughSigmoid) gradient[i] = scale * d * y * (1 - y);
                    else gradient[i] += scale * d;
                }

                blockSums[blockStart / BlockLength] = sum;
            }
        }
    }
}
