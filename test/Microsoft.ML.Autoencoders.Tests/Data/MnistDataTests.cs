using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Data;

public sealed class MnistDataTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void LoadTrain_Schema_IsSingleLabelAndKnownSizeVectorOf784()
    {
        string mnist = WriteMnist(trainCount: 12, testCount: 5);

        IDataView view = MnistData.LoadTrain(new MLContext(seed: 1), mnist);

        Assert.Equal(2, view.Schema.Count);
        Assert.Equal(NumberDataViewType.Single, view.Schema["Label"].Type);
        var features = Assert.IsType<VectorDataViewType>(view.Schema["Features"].Type);
        Assert.Equal(NumberDataViewType.Single, features.ItemType);
        Assert.True(features.IsKnownSize);
        Assert.Equal(784, features.Size);
        Assert.Equal(12, view.GetRowCount());
    }

    [Fact]
    public void LoadTest_ThroughMLNet_ReturnsTheFileContentsRowByRow()
    {
        string mnist = WriteMnist(trainCount: 3, testCount: 7);
        var mlContext = new MLContext(seed: 1);
        byte[] expectedPixels = SyntheticIdx.PatternPixels(7, 784);

        IDataView view = MnistData.LoadTest(mlContext, mnist);
        var rows = mlContext.Data.CreateEnumerable<DigitRow>(view, reuseRowObject: false).ToList();

        Assert.Equal(7, rows.Count);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (float)(i % 10)), rows.Select(r => r.Label));
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expectedPixels.Skip(i * 784).Take(784).Select(p => p / 255f), rows[i].Features);
        }
    }

    [Fact]
    public void LoadTrain_MaxRows_LimitsTheView()
    {
        string mnist = WriteMnist(trainCount: 20, testCount: 5);

        IDataView view = MnistData.LoadTrain(new MLContext(seed: 1), mnist, maxRows: 6);

        Assert.Equal(6, view.GetRowCount());
    }

    [Fact]
    public void ShuffleRows_OverTheView_KeepsEveryRowOnceWithItsOwnPixels()
    {
        string mnist = WriteMnist(trainCount: 50, testCount: 1);
        var mlContext = new MLContext(seed: 3);
        MnistSplit split = MnistData.ReadTrain(mnist);

        IDataView shuffled = mlContext.Data.ShuffleRows(split.ToDataView(), seed: 5);
        var rows = mlContext.Data.CreateEnumerable<DigitRow>(shuffled, reuseRowObject: false).ToList();

        // Each synthetic image differs, so its first pixels identify the row it came from.
        var originalIndex = rows.Select(row => Enumerable.Range(0, split.Count)
            .Single(i => split.Image(i).SequenceEqual(row.Features))).ToList();
        Assert.Equal(Enumerable.Range(0, 50), originalIndex.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), originalIndex);
        Assert.All(Enumerable.Range(0, rows.Count), r => Assert.Equal(split.Labels[originalIndex[r]], rows[r].Label));
    }

    [Fact]
    public void Cursor_AskedForTheWrongType_Throws()
    {
        IDataView view = new MnistSplit(new float[784], [4]).ToDataView();
        using DataViewRowCursor cursor = view.GetRowCursor(view.Schema);

        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<double>(view.Schema["Label"]));
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<float>(view.Schema["Features"]));
    }

    [Fact]
    public void Cursor_ReadBeforeMoveNext_Throws()
    {
        IDataView view = new MnistSplit(new float[784], [4]).ToDataView();
        using DataViewRowCursor cursor = view.GetRowCursor(view.Schema);
        ValueGetter<float> label = cursor.GetGetter<float>(view.Schema["Label"]);
        float value = 0;

        Assert.Throws<InvalidOperationException>(() => label(ref value));
        Assert.True(cursor.MoveNext());
        label(ref value);
        Assert.Equal(4f, value);
        Assert.False(cursor.MoveNext());
    }

    [Fact]
    public void Read_ImagesNot28By28_Throws()
    {
        string images = _folder.Write("images", SyntheticIdx.Images(2, 8, 8, SyntheticIdx.PatternPixels(2, 64)));
        string labels = _folder.Write("labels", SyntheticIdx.Labels([1, 2]));

        var error = Assert.Throws<InvalidDataException>(() => MnistData.Read(images, labels));

        Assert.Contains("8×8", error.Message);
    }

    [Fact]
    public void Read_CountsDiffer_Throws()
    {
        string images = _folder.Write("images", SyntheticIdx.Images(2, 28, 28, SyntheticIdx.PatternPixels(2, 784)));
        string labels = _folder.Write("labels", SyntheticIdx.Labels([1, 2, 3]));

        var error = Assert.Throws<InvalidDataException>(() => MnistData.Read(images, labels));

        Assert.Contains("2 images", error.Message);
        Assert.Contains("3 labels", error.Message);
    }

    [Fact]
    public void MnistSplit_PixelCountNotMatchingLabels_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MnistSplit(new float[784 * 2 - 1], [1, 2]));
    }

    private string WriteMnist(int trainCount, int testCount)
    {
        string mnist = Path.Combine(_folder.Path, "mnist");
        SyntheticIdx.WriteMnistFolder(mnist, trainCount, testCount, gzip: true);
        return mnist;
    }

    /// <summary>One row as ML.NET hands it out; the vector size must match the view's.</summary>
    private sealed class DigitRow
    {
        public float Label { get; set; }

        [VectorType(784)]
        public float[] Features { get; set; } = [];
    }
}
