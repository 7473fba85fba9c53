namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// Projects rows onto their first two principal components, for drawing wide codes in 2-D. Power iteration on the
/// covariance matrix (codes are narrow, so the matrix is small), the second component found after deflating the first.
/// </summary>
internal static class PrincipalPlane
{
    private const int Iterations = 200;

    public static (double[] X, double[] Y) Project(float[] rowsData, int rows, int columns)
    {
        var mean = new double[columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                mean[c] += rowsData[r * columns + c] / (double)rows;
        var covariance = new double[columns, columns];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < columns; i++)
            {
                double di = rowsData[r * columns + i] - mean[i];
                for (int j = 0; j < columns; j++)
                    covariance[i, j] += di * (rowsData[r * columns + j] - mean[j]);
            }

        double[] first = LeadingVector(covariance, columns, seedColumn: 0);
        double lambda = Rayleigh(covariance, first, columns);
        for (int i = 0; i < columns; i++)
            for (int j = 0; j < columns; j++)
                covariance[i, j] -= lambda * first[i] * first[j];
        double[] second = LeadingVector(covariance, columns, seedColumn: 1);

        var x = new double[rows];
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double centred = rowsData[r * columns + c] - mean[c];
                x[r] += centred * first[c];
                y[r] += centred * second[c];
            }
        return (x, y);
    }

    private static double[] LeadingVector(double[,] matrix, int n, int seedColumn)
    {
        // A start with every component non-zero, varied so it is not orthogonal to the answer by accident.
        var v = Enumerable.Range(0, n).Select(i => 1.0 + 0.1 * ((i + seedColumn) % 7)).ToArray();
        Normalize(v);
        var next = new double[n];
        for (int step = 0; step < Iterations; step++)
        {
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += matrix[i, j] * v[j];
                next[i] = sum;
            }
            if (!Normalize(next)) break; // a zero matrix (constant codes): any direction will do
            (v, next) = (next, v);
        }
        return v;
    }

    private static double Rayleigh(double[,] matrix, double[] v, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                sum += v[i] * matrix[i, j] * v[j];
        return sum;
    }

    private static bool Normalize(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(a => a * a));
        if (norm == 0 || !double.IsFinite(norm)) return false;
        for (int i = 0; i < v.Length; i++) v[i] /= norm;
        return true;
    }
}
