using Microsoft.ML.Autoencoders.Scoring;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Cursors score in look-ahead batches (<see cref="AutoencoderCursor"/>), prediction engines one row at a time: a row
/// must get the same outputs either way, and every passed-through column must still belong to the row it came with.
/// </summary>
public class BatchedScoringTests
{
    /// <summary>A row with passed-through columns of several kinds beside the features.</summary>
    private sealed class RichRow
    {
        public float Label { get; set; }

        public string Name { get; set; } = "";

        [VectorType(2)]
        public float[] Extra { get; set; } = new float[2];

        [VectorType(SyntheticData.Width)]
        public float[] Features { get; set; } = new float[SyntheticData.Width];
    }

    private sealed class Prediction
    {
        public float[] Encoded { get; set; } = [];

        public float[] Reconstruction { get; set; } = [];

        public float Error { get; set; }
    }

    // 600 rows cross every batch size the cursor uses (1, 2, 4, ..., 256) and end in a partial batch.
    private const int RowCount = 600;

    private static List<RichRow> RichRows(int count) =>
        SyntheticData.Rows(count).Select((row, i) => new RichRow
        {
            Label = row.Label,
            Name = $"row {i}",
            Extra = [i, -i],
            Features = row.Features,
        }).ToList();

    [Fact]
    public void AScanGivesEachRowTheSameOutputsAsAPredictionEngineAndKeepsItsOwnColumns()
    {
        var ml = new MLContext(seed: 1);
        var rows = RichRows(RowCount);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = TestAutoencoders.Fit(ml, data);
        var scored = transformer.Transform(data);
        var engine = ml.Model.CreatePredictionEngine<RichRow, Prediction>(transformer);

        var schema = scored.Schema;
        using var cursor = scored.GetRowCursor(schema);
        var label = cursor.GetGetter<float>(schema["Label"]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(schema["Name"]);
        var extra = cursor.GetGetter<VBuffer<float>>(schema["Extra"]);
        var features = cursor.GetGetter<VBuffer<float>>(schema["Features"]);
        var encoded = cursor.GetGetter<VBuffer<float>>(schema["Encoded"]);
        var reconstruction = cursor.GetGetter<VBuffer<float>>(schema["Reconstruction"]);
        var error = cursor.GetGetter<float>(schema["Error"]);
        var id = cursor.GetIdGetter();
        float labelValue = 0, errorValue = 0;
        ReadOnlyMemory<char> nameValue = default;
        VBuffer<float> extraValue = default, featuresValue = default, codeValue = default, reconstructionValue = default;
        DataViewRowId idValue = default;
        var ids = new HashSet<DataViewRowId>();

        int i = 0;
        while (cursor.MoveNext())
        {
            Assert.Equal(i, cursor.Position);
            var row = rows[i];
            // Outputs first on even rows, passed-through columns first on odd ones: the order must not matter.
            if (i % 2 == 0) ReadOutputs();
            label(ref labelValue);
            name(ref nameValue);
            extra(ref extraValue);
            features(ref featuresValue);
            id(ref idValue);
            if (i % 2 == 1) ReadOutputs();

            Assert.Equal(row.Label, labelValue);
            Assert.Equal(row.Name, nameValue.ToString());
            Assert.Equal(row.Extra, extraValue.DenseValues().ToArray());
            Assert.Equal(row.Features, featuresValue.DenseValues().ToArray());
            Assert.True(ids.Add(idValue), $"row {i} repeats an earlier row's id");

            // A row's scores do not depend on the batch it was scored in: the same bits as a row scored alone.
            var alone = engine.Predict(row);
            Assert.Equal(alone.Encoded, codeValue.DenseValues().ToArray());
            Assert.Equal(alone.Reconstruction, reconstructionValue.DenseValues().ToArray());
            Assert.Equal(alone.Error, errorValue);
            i++;
        }

        Assert.Equal(RowCount, i);
        Assert.False(cursor.MoveNext());

        void ReadOutputs()
        {
            encoded(ref codeValue);
            reconstruction(ref reconstructionValue);
            error(ref errorValue);
        }
    }

    [Fact]
    public void ScanOutputsMatchTheModelsOwnBatchedCalls()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(RowCount);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = TestAutoencoders.Fit(ml, data);
        var scored = transformer.Transform(data);
        float[] inputs = rows.SelectMany(r => r.Features).ToArray();

        Assert.Equal(transformer.Model.Encode(inputs, RowCount).Chunk(TestAutoencoders.CodeSize), ColumnValues.Vectors(scored, "Encoded"));
        Assert.Equal(transformer.Model.Reconstruct(inputs, RowCount).Chunk(SyntheticData.Width), ColumnValues.Vectors(scored, "Reconstruction"));
        Assert.Equal(transformer.Model.ReconstructionErrors(inputs, RowCount), ColumnValues.Scalars(scored, "Error"));
    }

    [Fact]
    public void AVectorHandedOutIsTheCallersOwn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(RichRows(40));
        var scored = TestAutoencoders.Fit(ml, data).Transform(data);
        using var cursor = scored.GetRowCursor([scored.Schema["Extra"], scored.Schema["Encoded"]]);
        var extra = cursor.GetGetter<VBuffer<float>>(scored.Schema["Extra"]);

        Assert.True(cursor.MoveNext());
        Assert.True(cursor.MoveNext()); // the second row is the first one of a two-row batch
        VBuffer<float> value = default;
        extra(ref value);
        // Scribble over what we were given: the cursor's copy of the row must not change.
        var editor = VBufferEditor.CreateFromBuffer(ref value);
        editor.Values.Fill(float.NaN);
        VBuffer<float> again = default;
        extra(ref again);

        Assert.Equal([1f, -1f], again.DenseValues().ToArray());
    }

    [Fact]
    public void SparseFeaturesScoreLikeTheirDenseForm()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(300);
        // Zero every other feature, and hand the rows over sparse.
        foreach (var row in rows)
            for (int j = 0; j < SyntheticData.Width; j += 2) row.Features[j] = 0;
        var dense = ml.Data.LoadFromEnumerable(rows);
        var sparse = ml.Data.LoadFromEnumerable(rows.Select(r => new SparseRow { Features = Sparse(r.Features) }));
        var transformer = TestAutoencoders.Fit(ml, dense);

        Assert.Equal(ColumnValues.Vectors(transformer.Transform(dense), "Reconstruction"),
            ColumnValues.Vectors(transformer.Transform(sparse), "Reconstruction"));
        Assert.Equal(ColumnValues.Scalars(transformer.Transform(dense), "Error"), ColumnValues.Scalars(transformer.Transform(sparse), "Error"));
    }

    private sealed class SparseRow
    {
        [VectorType(SyntheticData.Width)]
        public VBuffer<float> Features { get; set; }
    }

    private static VBuffer<float> Sparse(float[] values)
    {
        int[] indices = Enumerable.Range(0, values.Length).Where(j => values[j] != 0).ToArray();
        return new VBuffer<float>(values.Length, indices.Length, indices.Select(j => values[j]).ToArray(), indices);
    }

    /// <summary>A model fitted on synthetic rows, applied to a million of them from a source that counts what is pulled.</summary>
    private static (IDataView Scored, CountingSource Source) ScoredCountingSource()
    {
        var ml = new MLContext(seed: 1);
        var template = SyntheticData.Rows(50);
        var transformer = TestAutoencoders.Fit(ml, ml.Data.LoadFromEnumerable(template));
        var source = new CountingSource(template);
        return (transformer.Transform(ml.Data.LoadFromEnumerable(source.Rows(1_000_000))), source);
    }

    [Fact]
    public void ReadingOnlyPassedThroughColumnsReadsNoRowAhead()
    {
        var (scored, source) = ScoredCountingSource();
        using var cursor = scored.GetRowCursor([scored.Schema["Label"]]);
        for (int i = 0; i < 100; i++) Assert.True(cursor.MoveNext());

        // No output is read, so nothing is batched: at most the source's own one row ahead.
        Assert.InRange(source.Produced, 100, 101);
    }

    [Fact]
    public void LookAheadGrowsWithWhatWasReadAndStopsAtTheLargestBatch()
    {
        var (scored, source) = ScoredCountingSource();
        using var cursor = scored.GetRowCursor([scored.Schema["Error"]]);
        var error = cursor.GetGetter<float>(scored.Schema["Error"]);
        float value = 0;
        int read = 0;
        foreach (int target in new[] { 1, 3, 7, 20, 600, 2000 })
        {
            for (; read < target; read++)
            {
                Assert.True(cursor.MoveNext());
                error(ref value);
            }

            // Batches of 1, 2, 4, ... rows: never more than 2n - 1 rows pulled for n read (plus the source's own one),
            // and never more than a full batch ahead.
            Assert.InRange(source.Produced, read, Math.Min(2 * read, read + AutoencoderCursor.MaxBatchRows) + 1);
        }
    }
}
