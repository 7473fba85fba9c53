using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// The estimator's GetOutputSchema is how ML.NET checks a pipeline before training: it must promise exactly the
/// columns that the fitted transformer then produces, and refuse the inputs that Fit would refuse.
/// </summary>
public class SchemaPropagationTests
{
    [Fact]
    public void OutputShapeListsTheThreeOutputsWithTheirKinds()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 10);

        var shape = ml.Transforms.Autoencoder(TestAutoencoders.Options()).GetOutputSchema(SchemaShapes.Of(data.Schema));

        Assert.Equal(["Label", "Features", "Encoded", "Reconstruction", "Error"], shape.Select(c => c.Name));
        AssertColumn(shape, "Encoded", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single);
        AssertColumn(shape, "Reconstruction", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single);
        AssertColumn(shape, "Error", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single);
    }

    [Fact]
    public void OutputShapeListsOnlyRequestedOutputs()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 10);
        var options = TestAutoencoders.Options();
        options.ReconstructionColumnName = null;

        var shape = ml.Transforms.Autoencoder(options).GetOutputSchema(SchemaShapes.Of(data.Schema));

        Assert.Equal(["Label", "Features", "Encoded", "Error"], shape.Select(c => c.Name));
    }

    [Fact]
    public void OutputShapeMatchesTransformedSchema()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 50);
        var estimator = ml.Transforms.Autoencoder(TestAutoencoders.Options(epochs: 1));

        var shape = estimator.GetOutputSchema(SchemaShapes.Of(data.Schema));
        var schema = estimator.Fit(data).Transform(data).Schema;

        EstimatorWorkout.AssertShapeMatchesSchema(shape, schema);
    }

    [Fact]
    public void OutputShapeReplacesAnInputNamedLikeAnOutput()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 10);
        var options = TestAutoencoders.Options();
        options.EncodedColumnName = "Features";

        var shape = ml.Transforms.Autoencoder(options).GetOutputSchema(SchemaShapes.Of(data.Schema));

        // One "Features" column, now the code: the input is shadowed, as by any ML.NET transform writing in place.
        Assert.Equal(["Label", "Features", "Reconstruction", "Error"], shape.Select(c => c.Name));
    }

    [Fact]
    public void OutputShapeRejectsMissingInputColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 10);
        var options = TestAutoencoders.Options();
        options.InputColumnName = "Pixels";

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(options).GetOutputSchema(SchemaShapes.Of(data.Schema)));

        Assert.Contains("'Pixels' was not found", error.Message);
        Assert.Contains("Set InputColumnName to one of: 'Label', 'Features'", error.Message);
    }

    public static TheoryData<string, string> WrongInputTypes => new()
    {
        // column type, what the message must call it
        { "scalar Single", "Column 'Features' is Single" },
        { "vector of Double", "Column 'Features' is Vector<Double>" },
        { "vector of Single of unknown size", "Column 'Features' is a vector of unknown size" },
        // A shape's item type of a key column is its raw type: without the key, the message would call it a vector of UInt32.
        { "vector of keys", "Column 'Features' is Vector<Key<UInt32>>" },
    };

    [Theory]
    [MemberData(nameof(WrongInputTypes))]
    public void OutputShapeRejectsWrongInputType(string inputType, string expectedMessage)
    {
        var ml = new MLContext(seed: 1);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", inputType switch
        {
            "scalar Single" => NumberDataViewType.Single,
            "vector of Double" => new VectorDataViewType(NumberDataViewType.Double, 12),
            "vector of keys" => new VectorDataViewType(new KeyDataViewType(typeof(uint), 10), 12),
            _ => new VectorDataViewType(NumberDataViewType.Single),
        });
        var shape = SchemaShapes.Of(builder.ToSchema());

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(TestAutoencoders.Options()).GetOutputSchema(shape));

        Assert.Contains(expectedMessage, error.Message);
    }

    private static void AssertColumn(SchemaShape shape, string name, SchemaShape.Column.VectorKind kind, DataViewType itemType)
    {
        var column = Assert.Single(shape, c => c.Name == name);
        Assert.Equal(kind, column.Kind);
        Assert.Equal(itemType, column.ItemType);
        Assert.False(column.IsKey);
    }
}
