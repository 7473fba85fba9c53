using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>Checks the input column and phrases the errors a user sees: each names the column and the fix.</summary>
internal static class InputColumn
{
    /// <summary>The option that names the input column of an autoencoder.</summary>
    public const string AutoencoderOption = "InputColumnName";

    /// <summary>The option that names the input column of an anomaly detector.</summary>
    public const string DetectorOption = "FeatureColumnName";

    /// <summary>
    /// The vector size of <paramref name="name"/>, which must be a known-size vector of Single; <paramref name="option"/> is
    /// the option a missing column's message tells the user to set (the detector's is not the autoencoder's).
    /// </summary>
    public static int GetVectorSize(DataViewSchema schema, string name, string option = AutoencoderOption)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), MissingMessage(name, schema.Where(c => !c.IsHidden).Select(c => c.Name), option));
        if (column.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), WrongTypeMessage(name, $"{column.Type}"));
        if (!vector.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(schema), UnknownSizeMessage(name));
        return vector.Size;
    }

    /// <summary>Checks that the column is present with the size the model was trained on.</summary>
    public static void CheckMatches(DataViewSchema schema, string name, int expectedSize, string option = AutoencoderOption)
    {
        int size = GetVectorSize(schema, name, option);
        if (size != expectedSize)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{name}' has {size} values per row but the autoencoder was trained on {expectedSize}: score data prepared the same way as the training data.");
    }

    /// <summary>
    /// A schema shape column's type as the error messages name it: a shape keeps only the item type, so the kind is added (a
    /// vector of Double would read as "is Double"), and a key column says so (its item type alone reads as plain UInt32).
    /// </summary>
    public static string ShapeTypeName(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind == SchemaShape.Column.VectorKind.Scalar ? item : $"Vector<{item}>";
    }

    public static string MissingMessage(string name, IEnumerable<string> available, string option = AutoencoderOption) =>
        $"Input column '{name}' was not found. Set {option} to one of: {string.Join(", ", available.Distinct().Select(n => $"'{n}'"))}.";

    public static string UnknownSizeMessage(string name) =>
        $"Column '{name}' is a vector of unknown size; the autoencoder needs a fixed size. Give it one, e.g. [VectorType(784)] on the " +
        "property, a SchemaDefinition with a sized VectorDataViewType, or mlContext.Transforms.Concatenate over fixed-size columns.";

    public static string WrongTypeMessage(string name, string actual) =>
        // A scalar Single already has the right item type: converting it to Single, the other advice, would change nothing.
        actual == nameof(Single)
            ? $"Column '{name}' is Single, one value per row, but the autoencoder needs a known-size vector of Single. Gather it with the " +
              $"other feature columns into one vector under its name first, e.g. mlContext.Transforms.Concatenate(\"{name}\", \"{name}\", \"Other\", ...)."
            : $"Column '{name}' is {actual} but the autoencoder needs a known-size vector of Single. Convert it first, e.g. " +
              "mlContext.Transforms.Conversion.ConvertType(..., DataKind.Single), or mlContext.Transforms.Concatenate to gather scalar columns into one vector.";
}
