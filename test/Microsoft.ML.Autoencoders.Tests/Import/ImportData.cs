using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>Rows of any width as an IDataView with one known-size vector column.</summary>
internal static class ImportData
{
    public sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public static IDataView Of(MLContext ml, IEnumerable<float[]> rows, int width) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), Schema(width));

    /// <summary>The row type's schema with the vector's size, for data views and prediction engines.</summary>
    public static SchemaDefinition Schema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }
}
