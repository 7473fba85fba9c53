namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>The error column's definition, and the array API against the column API.</summary>
public class ReconstructionErrorTests
{
    [Fact]
    public void ErrorColumnIsMeanSquaredDifferenceOfInputAndReconstruction()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(100);
        var data = ml.Data.LoadFromEnumerable(rows);
        var scored = TestAutoencoders.Fit(ml, data).Transform(data);

        var reconstruction = ColumnValues.Vectors(scored, "Reconstruction");
        var error = ColumnValues.Scalars(scored, "Error");

        for (int row = 0; row < rows.Count; row++)
        {
            double meanSquared = rows[row].Features.Zip(reconstruction[row]).Average(p => (double)(p.First - p.Second) * (p.First - p.Second));
            ColumnValues.AssertClose(meanSquared, error[row], $"Error row {row}", tolerance: 1e-5);
        }
        Assert.True(error.Distinct().Count() > 90, "the error should vary from row to row");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ArrayApiAgreesWithColumns(int threads)
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(100);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = TestAutoencoders.Fit(ml, data);
        var scored = transformer.Transform(data);
        float[] inputs = rows.SelectMany(r => r.Features).ToArray();
        var model = transformer.Model;

        // The array API and the cursor cut the rows into different batches. Dense rows keep their bits either way
        // (BatchedScoringTests); this test is about the two APIs agreeing, hence a tolerance.
        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "Encoded"), model.Encode(inputs, rows.Count, threads).Chunk(model.CodeSize).ToList(), "Encoded");
        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "Reconstruction"), model.Reconstruct(inputs, rows.Count, threads).Chunk(model.InputSize).ToList(), "Reconstruction");
        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Error"), model.ReconstructionErrors(inputs, rows.Count, threads), "Error");
    }

    [Fact]
    public void ArrayApiRejectsTooFewValues()
    {
        var ml = new MLContext(seed: 1);
        var model = TestAutoencoders.Fit(ml, SyntheticData.DataView(ml, 20)).Model;

        var error = Assert.Throws<ArgumentException>(() => model.Encode(new float[SyntheticData.Width + 5], rows: 2));

        Assert.Contains("Expected 2 rows of 12 values but got 17 values", error.Message);
    }
}
