using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Explanations by column name: what ML.NET's Concatenate writes as slot names, how the detector groups slots into input
/// columns, that a corrupted column is named as the culprit, and that the names survive saving and loading.
/// </summary>
public sealed class AnomalyExplanationTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    /// <summary>Ten scalar columns A…J and a six-slot vector V with slot names of its own: AnomalyData's 16 features.</summary>
    private static readonly string[] Scalars = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
    private const int VectorWidth = 6;

    public sealed class TableRow
    {
        public float Label { get; set; }
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
        public float D { get; set; }
        public float E { get; set; }
        public float F { get; set; }
        public float G { get; set; }
        public float H { get; set; }
        public float I { get; set; }
        public float J { get; set; }
        public float[] V { get; set; } = new float[VectorWidth];
    }

    /// <summary>
    /// AnomalyData's normal rows as a table; <paramref name="corrupt"/> adds 3 to one scalar column (by name) or, for "V",
    /// to the vector's third slot, in every row.
    /// </summary>
    private static IDataView Table(int rows, int seed, string? corrupt = null)
    {
        var table = AnomalyData.Rows(rows, 0, seed).Select(r =>
        {
            var row = new TableRow { V = r.Features[10..] };
            for (int j = 0; j < Scalars.Length; j++) typeof(TableRow).GetProperty(Scalars[j])!.SetValue(row, r.Features[j]);
            if (corrupt == "V") row.V[2] += 3;
            else if (corrupt != null) typeof(TableRow).GetProperty(corrupt)!.SetValue(row, (float)typeof(TableRow).GetProperty(corrupt)!.GetValue(row)! + 3);
            return row;
        }).ToList();
        var definition = SchemaDefinition.Create(typeof(TableRow));
        var v = definition[nameof(TableRow.V)];
        v.ColumnType = new VectorDataViewType(NumberDataViewType.Single, VectorWidth);
        var slotNames = new VBuffer<ReadOnlyMemory<char>>(VectorWidth, [.. Enumerable.Range(0, VectorWidth).Select(i => $"s{i}".AsMemory())]);
        v.AddAnnotation("SlotNames", slotNames, new VectorDataViewType(TextDataViewType.Instance, VectorWidth));
        return MlContext.Data.LoadFromEnumerable(table, definition);
    }

    private static IDataView Featurized(IDataView table) =>
        MlContext.Transforms.Concatenate("Features", [.. Scalars, "V"]).Fit(table).Transform(table);

    private static AutoencoderAnomalyTransformer Detector(bool standardize = false) =>
        MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            FeatureErrorsColumnName = "Why",
            ExplanationColumnName = "Culprits",
            ExplanationSharesColumnName = "Shares",
            ExplanationTopK = 2,
            StandardizeFeatures = standardize,
            Autoencoder = AnomalyData.Network(),
        }).Fit(Featurized(Table(600, seed: 1)));

    public sealed class ProbeRow
    {
        public float Age { get; set; }
        [VectorType(3)] public float[] Blood { get; set; } = new float[3];
        public float Sex { get; set; }
        public string Colour { get; set; } = "red";
    }

    [Fact]
    public void ConcatenateNamesScalarSlotsAfterTheColumnAndLeavesUnnamedVectorSlotsEmpty()
    {
        // What ML.NET 6 really writes, which the grouping rule rests on.
        var data = MlContext.Data.LoadFromEnumerable(new[] { new ProbeRow(), new ProbeRow { Colour = "blue" } });
        var pipeline = MlContext.Transforms.Categorical.OneHotEncoding("Colour")
            .Append(MlContext.Transforms.Concatenate("Features", "Age", "Blood", "Sex", "Colour"));
        var schema = pipeline.Fit(data).Transform(data).Schema;
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["Features"].GetSlotNames(ref names);
        Assert.Equal(["Age", "", "", "", "Sex", "Colour.red", "Colour.blue"], names.DenseValues().Select(n => n.ToString()));

        var grouped = AnomalyFeatureNames.FromSchema(schema, "Features", 7);
        Assert.Equal(["Age", "Feature 1", "Feature 2", "Feature 3", "Sex", "Colour"], grouped.Columns);
        Assert.Equal([0, 1, 2, 3, 4, 5, 5], grouped.ColumnOfSlot);

        // Without slot names every slot is numbered; a scalar column whose name holds a dot stays whole.
        Assert.Equal(["Feature 0", "Feature 1"], AnomalyFeatureNames.Numbered(2).Columns);
        var dotted = AnomalyFeatureNames.FromSlotNames(["petal.length", "petal.width", "V.a", "V.b"], new HashSet<string> { "petal.length", "petal.width", "V" });
        Assert.Equal(["petal.length", "petal.width", "V"], dotted.Columns);
    }

    [Fact]
    public void CorruptedColumnIsNamedFirstAndVectorSlotsGroupUnderTheirColumn()
    {
        var detector = Detector();
        Assert.Equal([.. Scalars, "V"], detector.ExplanationColumns);
        Assert.Equal(Enumerable.Repeat("V", VectorWidth), detector.FeatureColumns.Skip(Scalars.Length));

        foreach (string corrupt in new[] { "D", "V" })
        {
            var scored = detector.Transform(Featurized(Table(200, seed: 5, corrupt)));
            var culprits = scored.GetColumn<VBuffer<ReadOnlyMemory<char>>>("Culprits").Select(b => b.DenseValues().Select(n => n.ToString()).ToArray()).ToList();
            // The network spreads a corruption into other columns' reconstructions too, so not every row puts it first.
            int named = culprits.Count(c => c[0] == corrupt), inTopTwo = culprits.Count(c => c.Contains(corrupt));
            Assert.True(named >= 180 && inTopTwo >= 190, $"'{corrupt}' named first in {named} and among two in {inTopTwo} of 200 corrupted rows");
            Assert.Equal(new VectorDataViewType(TextDataViewType.Instance, 2), scored.Schema["Culprits"].Type);

            // The API gives the same culprits and shares from a row's feature errors.
            var why = scored.GetColumn<float[]>("Why").ToList();
            var shares = scored.GetColumn<float[]>("Shares").ToList();
            for (int i = 0; i < 20; i++)
            {
                var explained = detector.Explain(why[i], topK: 2);
                Assert.Equal(culprits[i], explained.Select(c => c.Column));
                Assert.Equal(shares[i], explained.Select(c => c.Share));
                Assert.InRange(shares[i][0], shares[i][1], 1f);
            }
        }

        // The per-feature error column keeps the features' slot names.
        var schema = detector.Transform(Featurized(Table(5, seed: 5))).Schema;
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        schema["Why"].GetSlotNames(ref slotNames);
        Assert.Equal([.. Scalars, "V.s0", "V.s1", "V.s2", "V.s3", "V.s4", "V.s5"], slotNames.DenseValues().Select(n => n.ToString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SavedDetectorExplainsAsTheEngineDoes(bool standardize)
    {
        var detector = Detector(standardize);
        var test = Featurized(Table(200, seed: 6, corrupt: "G"));
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, test.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _);
        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(detector.ExplanationColumns, typed.ExplanationColumns);
        Assert.Equal(standardize, typed.StandardizesFeatures);

        var engine = Read(detector.Transform(test));
        foreach (var other in new[] { Read(loaded.Transform(test)), Read(typed.Transform(test)) })
        {
            int same = 0;
            for (int i = 0; i < engine.Score.Length; i++)
            {
                Assert.Equal(engine.Score[i], other.Score[i], 1e-5 * Math.Max(1, engine.Score[i]));
                for (int j = 0; j < 2; j++) Assert.Equal(engine.Shares[i][j], other.Shares[i][j], 1e-5);
                if (engine.Culprits[i].SequenceEqual(other.Culprits[i])) same++;
            }
            // Float summation order may swap two columns whose errors tie to the last bit; the corrupted one leads everywhere.
            Assert.True(same >= engine.Score.Length - 2, $"{same} of {engine.Score.Length} rows name the same culprits");
            Assert.True(other.Culprits.Count(c => c[0] == "G") >= 180);
        }
        // The typed reload rebuilds the engine path, slot names included.
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        typed.Transform(test).Schema["Why"].GetSlotNames(ref slotNames);
        Assert.Equal("V.s5", slotNames.DenseValues().Last().ToString());
    }

    private sealed record Scored(float[] Score, string[][] Culprits, float[][] Shares);

    private static Scored Read(IDataView scored) => new(
        [.. scored.GetColumn<float>("Score")],
        [.. scored.GetColumn<VBuffer<ReadOnlyMemory<char>>>("Culprits").Select(b => b.DenseValues().Select(n => n.ToString()).ToArray())],
        [.. scored.GetColumn<float[]>("Shares")]);

    [Fact]
    public void StandaloneOnnxGraphNamesTheSameCulprits()
    {
        var detector = Detector(standardize: true);
        var test = Featurized(Table(50, seed: 7, corrupt: "V"));
        var engine = Read(detector.Transform(test));
        var rows = test.GetColumn<float[]>("Features").ToArray();

        using var stream = new MemoryStream();
        detector.SaveAsOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        using var input = OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["score", "culprits", "culprit_shares"]);
        var scores = results[0].GetTensorDataAsSpan<float>().ToArray();
        var shares = results[2].GetTensorDataAsSpan<float>().ToArray();
        var culprits = Enumerable.Range(0, rows.Length * 2).Select(i => results[1].GetStringElement(i)).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(engine.Score[i], scores[i], 1e-5 * Math.Max(1, engine.Score[i]));
            Assert.Equal(engine.Culprits[i][0], culprits[2 * i]);
            Assert.Equal(engine.Shares[i][0], shares[2 * i], 1e-5);
        }
    }

    [Fact]
    public void ARowThatCannotBeScoredNamesTheColumnWithTheBadValue()
    {
        var detector = Detector(standardize: true);
        var rows = MlContext.Data.CreateEnumerable<TableRow>(Table(3, seed: 8), reuseRowObject: false).ToList();
        rows[1].E = float.NaN;
        rows[2].V[4] = float.PositiveInfinity;
        var definition = SchemaDefinition.Create(typeof(TableRow));
        definition[nameof(TableRow.V)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, VectorWidth);
        var test = Featurized(MlContext.Data.LoadFromEnumerable(rows, definition));
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, test.Schema, file.Path);
        foreach (var scored in new[] { Read(detector.Transform(test)), Read(new MLContext().Model.Load(file.Path, out _).Transform(test)) })
        {
            Assert.Equal(("E", 1f), (scored.Culprits[1][0], scored.Shares[1][0]));
            Assert.Equal(("V", 1f), (scored.Culprits[2][0], scored.Shares[2][0]));
            Assert.Equal(0f, scored.Shares[1][1]);
        }
    }

    [Fact]
    public void SharesRequireTheCulpritColumn()
    {
        var e = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            ExplanationSharesColumnName = "Shares",
        }));
        Assert.Contains("ExplanationColumnName", e.Message);
    }

    [Fact]
    public void CulpritCountWithoutTheCulpritColumnIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            ExplanationTopK = 5,
        }));
        Assert.Contains("ExplanationTopK (5) is how many culprit columns ExplanationColumnName names, but ExplanationColumnName is not set", e.Message);
    }
}
