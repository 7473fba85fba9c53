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
    public override unsafe double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
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
            ParallelRange.Run(n, Threads, new Pass(p, t, gradient.IsEmpty ? null : g, sums, 2f / n));
        }

        double sum = 0;
        for (int b = 0; b < blocks; b++) sum += _blockSums[b];
        return sum / n;
    }

    /// <summary>The blocks in one range: each block's squared error into its slot, the gradient added to.</summary>
    private readonly unsafe struct Pass(float* prediction, float* target, float* gradient, double* blockSums, float scale) : IRangeKernel
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
                        var d0 = Vector.Load(prediction + i) - Vector.Load(target + i);
                        var d1 = Vector.Load(prediction + i + width) - Vector.Load(target + i + width);
                        acc0 += d0 * d0;
                        acc1 += d1 * d1;
                        if (gradient != null)
                        {
                            (Vector.Load(gradient + i) + vScale * d0).Store(gradient + i);
                            (Vector.Load(gradient + i + width) + vScale * d1).Store(gradient + i + width);
                        }
                    }
                }

                double sum = Vector.Sum(acc0 + acc1);
                for (; i < blockEnd; i++)
                {
                    float d = prediction[i] - target[i];
                    sum += d * d;
                    if (gradient != null) gradient[i] += scale * d;
                }

                blockSums[blockStart / BlockLength] = sum;
            }
        }
    }
}
