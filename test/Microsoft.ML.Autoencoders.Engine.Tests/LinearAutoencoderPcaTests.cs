using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// The link between autoencoders and PCA, as an end-to-end check of the whole engine.
///
/// Theory (Baldi &amp; Hornik, "Neural networks and principal component analysis: learning from examples without
/// local minima", Neural Networks 2(1), 1989; also Bourlard &amp; Kamp 1988): a linear autoencoder x ↦ x·E·D with
/// a k-wide code, trained to minimise the squared reconstruction error on centred data, has one global minimum up
/// to an invertible k×k change of basis of the code, and every other critical point is a saddle. At that minimum
/// the map E·D is the orthogonal projection onto the span of the top-k eigenvectors of the data covariance, i.e.
/// exactly what PCA with k components computes. The weights need not be the eigenvectors themselves (any basis of
/// the subspace will do, and the network has no reason to make it orthonormal), so the test compares subspaces:
/// the principal angles between span(rows of the decoder's W) and span(top-k eigenvectors) must be ~0, and the
/// reconstruction MSE must match PCA's, which is the minimum any rank-k linear (or affine) map can reach.
///
/// If the forward pass, a gradient, the loss or the optimizer were wrong, training would stall elsewhere or at a
/// worse error; so this test guards the engine as a whole against a known closed-form answer.
/// </summary>
public class LinearAutoencoderPcaTests(ITestOutputHelper output)
{
    private const int Rows = 2000, Dimension = 20, Components = 3;

    [Fact]
    public void LinearAutoencoder_SpansTopPrincipalSubspace_AndMatchesPcaError()
    {
        // Variances 9, 4 and 2 along three random orthonormal directions, 0.09 in the other 17: distinct
        // leading eigenvalues and a wide gap to the noise floor, so PCA's subspace is well defined.
        var (data, _) = TestData.NearSubspace(new SeededRandom(201), Rows, Dimension, [3.0, 2.0, 1.4], noise: 0.3);
        Center(data);

        // PCA, in double, with our own eigen-solver.
        double[,] covariance = Covariance(data);
        var (eigenvalues, eigenvectors) = Jacobi.Eigen(covariance);
        double[][] pcaBasis = Enumerable.Range(0, Components).Select(j => Column(eigenvectors, j)).ToArray();
        double pcaMse = ProjectionMse(data, pcaBasis);
        // The discarded eigenvalues are the residual variance: an independent check of the PCA reference itself.
        Assert.Equal(eigenvalues.Skip(Components).Sum() / Dimension, pcaMse, 9);

        var architecture = new AutoencoderArchitecture
        {
            InputSize = Dimension,
            HiddenSizes = [],
            CodeSize = Components,
            CodeActivation = Activation.Linear,
            OutputActivation = Activation.Linear,
        };
        var network = AutoencoderNetwork.Create(architecture, seed: 202);
        var dense = network.DenseLayers().ToArray();
        Assert.Equal(2, dense.Length);
        Assert.All(dense, d => Assert.Equal(Activation.Linear, d.Activation));

        // SGD with momentum: Adam with a constant step keeps jittering around the optimum (~1.2° here for any
        // mini-batch setting tried), which would blur the comparison; full-batch Adam reaches 0.000° but needs
        // ~10 s. These settings converge to well under a degree in about a second.
        var options = new TrainingOptions
        {
            Epochs = 50, BatchSize = 100, Loss = LossKind.MeanSquaredError, Seed = 203, Threads = 1,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 5e-2f, Momentum = 0.9f },
        };
        new AutoencoderTrainer(network, options).Fit(data, null, Rows);

        // Decoder W is [k, d]: its k rows span the subspace reconstructions live in.
        var decoder = dense[1].Layer;
        double[][] decoderRows = Enumerable.Range(0, Components)
            .Select(r => decoder.Weights.Values.Slice(r * Dimension, Dimension).ToArray().Select(v => (double)v).ToArray()).ToArray();
        // Encoder W is [d, k]: its k columns are the directions the code reads.
        var encoder = dense[0].Layer;
        double[][] encoderColumns = Enumerable.Range(0, Components)
            .Select(c => Enumerable.Range(0, Dimension).Select(r => (double)encoder.Weights.Values[r * Components + c]).ToArray()).ToArray();

        double decoderAngle = LargestPrincipalAngleDegrees(decoderRows, pcaBasis);
        double encoderAngle = LargestPrincipalAngleDegrees(encoderColumns, pcaBasis);
        double aeMse = TrainingTests.ReconstructionMse(network, data, Rows);
        double ratio = aeMse / pcaMse;
        output.WriteLine($"eigenvalues: {string.Join(", ", eigenvalues.Take(5).Select(v => v.ToString("F4")))}, ...");
        output.WriteLine($"largest principal angle: decoder {decoderAngle:F3}°, encoder {encoderAngle:F3}°");
        output.WriteLine($"reconstruction MSE: autoencoder {aeMse:G6}, PCA {pcaMse:G6}, ratio {ratio:F5}");

        Assert.True(decoderAngle < 2.0, $"decoder subspace is {decoderAngle:F2}° from PCA's");
        Assert.True(encoderAngle < 2.0, $"encoder subspace is {encoderAngle:F2}° from PCA's");
        // PCA is optimal, so the ratio cannot fall below 1 (beyond float rounding); it must come close to 1.
        Assert.InRange(ratio, 0.999, 1.01);
    }

    [Fact]
    public void PrincipalAngles_OfKnownSubspaces()
    {
        // span{e0, e1} against span{e0, cos θ·e1 + sin θ·e2}: the largest principal angle is θ, whatever basis is used.
        double theta = 10.0 * Math.PI / 180;
        double[][] a = [[1, 1, 0, 0], [1, -1, 0, 0]]; // a non-orthonormal basis of span{e0, e1}
        double[][] b = [[1, 0, 0, 0], [0, Math.Cos(theta), Math.Sin(theta), 0]];
        Assert.Equal(10.0, LargestPrincipalAngleDegrees(a, b), 6);
        Assert.Equal(0.0, LargestPrincipalAngleDegrees(a, [[0, 2, 0, 0], [3, 0, 0, 0]]), 6);
        Assert.Equal(90.0, LargestPrincipalAngleDegrees(a, [[1, 0, 0, 0], [0, 0, 0, 1]]), 6);
    }

    [Fact]
    public void Jacobi_RecoversKnownSpectrum()
    {
        // A = U·diag(λ)·Uᵀ with a random orthogonal U: the solver must return λ (sorted) and A·v = λ·v.
        const int n = 9;
        double[] lambda = [7, -3, 5, 0.5, 2, 2.000001, 1e-3, -0.25, 4];
        var (_, basis) = TestData.NearSubspace(new SeededRandom(204), 1, n, Enumerable.Repeat(1.0, n).ToArray(), 0);
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++) a[i, j] += basis[k][i] * lambda[k] * basis[k][j];

        var (values, vectors) = Jacobi.Eigen(a);
        Assert.Equal(lambda.OrderDescending().ToArray(), values.Select(v => Math.Round(v, 9)).ToArray());
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < n; i++)
            {
                double av = 0;
                for (int k = 0; k < n; k++) av += a[i, k] * vectors[k, j];
                Assert.Equal(values[j] * vectors[i, j], av, 9);
            }
        }
    }

    private static void Center(float[] data)
    {
        for (int c = 0; c < Dimension; c++)
        {
            double mean = 0;
            for (int r = 0; r < Rows; r++) mean += data[r * Dimension + c];
            mean /= Rows;
            for (int r = 0; r < Rows; r++) data[r * Dimension + c] -= (float)mean;
        }
    }

    /// <summary>XᵀX / n: the covariance of centred data (the 1/n convention, matching a mean-reduced MSE).</summary>
    private static double[,] Covariance(float[] data)
    {
        var c = new double[Dimension, Dimension];
        for (int r = 0; r < Rows; r++)
            for (int i = 0; i < Dimension; i++)
            {
                double xi = data[r * Dimension + i];
                for (int j = 0; j < Dimension; j++) c[i, j] += xi * data[r * Dimension + j];
            }
        for (int i = 0; i < Dimension; i++)
            for (int j = 0; j < Dimension; j++) c[i, j] /= Rows;
        return c;
    }

    /// <summary>Mean over all elements of |x - Q Qᵀ x|² for an orthonormal basis Q: PCA's reconstruction error.</summary>
    private static double ProjectionMse(float[] data, double[][] orthonormalBasis)
    {
        double sum = 0;
        var x = new double[Dimension];
        for (int r = 0; r < Rows; r++)
        {
            for (int i = 0; i < Dimension; i++) x[i] = data[r * Dimension + i];
            double[] residual = x.ToArray();
            foreach (var q in orthonormalBasis)
            {
                double dot = TestData.Dot(x, q);
                for (int i = 0; i < Dimension; i++) residual[i] -= dot * q[i];
            }
            sum += TestData.Dot(residual, residual);
        }
        return sum / ((double)Rows * Dimension);
    }

    /// <summary>
    /// The largest principal angle between span(a) and span(b), each given by k vectors (not necessarily
    /// orthonormal). With orthonormal bases Qa, Qb the cosines of the angles are the singular values of
    /// M = Qaᵀ·Qb, i.e. the square roots of the eigenvalues of the k×k matrix MᵀM.
    /// </summary>
    internal static double LargestPrincipalAngleDegrees(double[][] a, double[][] b)
    {
        double[][] qa = Orthonormalize(a), qb = Orthonormalize(b);
        int k = qa.Length;
        var m = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) m[i, j] = TestData.Dot(qa[i], qb[j]);
        var mtm = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                for (int p = 0; p < k; p++) mtm[i, j] += m[p, i] * m[p, j];
        double smallestCosine = Math.Sqrt(Math.Clamp(Jacobi.Eigen(mtm).Values[^1], 0, 1));
        return Math.Acos(smallestCosine) * 180 / Math.PI;
    }

    /// <summary>Modified Gram–Schmidt, applied twice ("twice is enough") so the basis is orthonormal to rounding.</summary>
    private static double[][] Orthonormalize(double[][] vectors)
    {
        var q = vectors.Select(v => v.ToArray()).ToArray();
        for (int pass = 0; pass < 2; pass++)
        {
            for (int j = 0; j < q.Length; j++)
            {
                for (int p = 0; p < j; p++)
                {
                    double dot = TestData.Dot(q[j], q[p]);
                    for (int i = 0; i < q[j].Length; i++) q[j][i] -= dot * q[p][i];
                }
                double norm = Math.Sqrt(TestData.Dot(q[j], q[j]));
                Assert.True(norm > 1e-9, "the vectors are linearly dependent: they do not span a k-dimensional subspace");
                for (int i = 0; i < q[j].Length; i++) q[j][i] /= norm;
            }
        }
        return q;
    }

    private static double[] Column(double[,] matrix, int column)
        => Enumerable.Range(0, matrix.GetLength(0)).Select(r => matrix[r, column]).ToArray();
}

/// <summary>The cyclic Jacobi eigenvalue method for symmetric matrices: slow (O(n³) per sweep) but simple and accurate.</summary>
internal static class Jacobi
{
    /// <summary>Eigenvalues in descending order and the matching unit eigenvectors as the columns of Vectors.</summary>
    public static (double[] Values, double[,] Vectors) Eigen(double[,] symmetric)
    {
        int n = symmetric.GetLength(0);
        var a = (double[,])symmetric.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double offDiagonal = 0, total = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    total += a[i, j] * a[i, j];
                    if (i != j) offDiagonal += a[i, j] * a[i, j];
                }
            if (offDiagonal <= 1e-30 * total || offDiagonal == 0) break;

            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0) continue;
                    // The rotation in the (p, q) plane that zeroes a[p, q] (Numerical Recipes §11.1), taking the
                    // smaller root of t² + 2θt - 1 = 0 for stability.
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }

        int[] order = Enumerable.Range(0, n).OrderByDescending(i => a[i, i]).ToArray();
        var values = order.Select(i => a[i, i]).ToArray();
        var vectors = new double[n, n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) vectors[i, j] = v[i, order[j]];
        return (values, vectors);
    }
}
