using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>Transform is lazy: it scores rows as a cursor reaches them, and only the outputs the cursor asked for.</summary>
public class StreamingTests
{
    [Fact]
    public void ReadingTenScoredRowsPullsOnlyAboutTenSourceRows()
    {
        var ml = new MLContext(seed: 1);
        var template = SyntheticData.Rows(50);
        var transformer = TestAutoencoders.Fit(ml, ml.Data.LoadFromEnumerable(template));
        var source = new CountingSource(template);

        // A million rows would take seconds to score and megabytes to hold: only streaming keeps this test instant.
        var scored = transformer.Transform(ml.Data.LoadFromEnumerable(source.Rows(1_000_000)));
        Assert.Equal(0, source.Produced);

        var encodedColumn = scored.Schema["Encoded"];
        var codes = new List<float[]>();
        using (var cursor = scored.GetRowCursor([encodedColumn]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(encodedColumn);
            VBuffer<float> code = default;
            while (codes.Count < 10 && cursor.MoveNext())
            {
                getter(ref code);
                codes.Add(code.DenseValues().ToArray());
            }
        }

        // Cursors score in batches that start at one row and double (1 + 2 + 4 + 8 rows cover the first ten), so the
        // look-ahead stays below what was read: reading n rows pulls at most 2n - 1, one more when the source itself
        // reads one ahead. Anything beyond that means something buffers the input.
        Assert.InRange(source.Produced, 10, 2 * 10);
        var expected = transformer.Model.Encode(template.Take(10).SelectMany(r => r.Features).ToArray(), rows: 10);
        ColumnValues.AssertClose(expected.Chunk(TestAutoencoders.CodeSize).ToList(), codes, "Encoded");
    }

    [Fact]
    public void ReadingOnlyEncodedWorksWithoutTheDecoderOutputs()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(30);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = TestAutoencoders.Fit(ml, data);
        var scored = transformer.Transform(data);

        // GetColumn opens a cursor with just this column active, so the reconstruction is never asked for.
        var codes = ColumnValues.Vectors(scored, "Encoded");

        var expected = transformer.Model.Encode(rows.SelectMany(r => r.Features).ToArray(), rows.Count);
        ColumnValues.AssertClose(expected.Chunk(TestAutoencoders.CodeSize).ToList(), codes, "Encoded");
    }

    [Fact]
    public void GetterForAnInactiveOutputThrows()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 20);
        var scored = TestAutoencoders.Fit(ml, data).Transform(data);
        var reconstruction = scored.Schema["Reconstruction"];

        using var cursor = scored.GetRowCursor([scored.Schema["Encoded"]]);

        Assert.True(cursor.IsColumnActive(scored.Schema["Encoded"]));
        Assert.False(cursor.IsColumnActive(reconstruction));
        var error = Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(reconstruction));
        Assert.Contains("Column 'Reconstruction' was not requested", error.Message);
    }

    [Fact]
    public void GetterOfTheWrongTypeNamesTheColumnType()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 20);
        var scored = TestAutoencoders.Fit(ml, data).Transform(data);
        var encoded = scored.Schema["Encoded"];

        using var cursor = scored.GetRowCursor([encoded]);

        var error = Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<float>(encoded));
        Assert.Contains("Column 'Encoded' is Vector<Single, 3>, which cannot be read as Single", error.Message);
    }

    [Fact]
    public void RowCountPassesThroughWithoutScoring()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 20);

        var scored = TestAutoencoders.Fit(ml, data).Transform(data);

        Assert.Equal(20, scored.GetRowCount());
    }
}
