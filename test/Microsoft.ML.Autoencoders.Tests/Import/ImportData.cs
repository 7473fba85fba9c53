using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>Rows of any width as an IDataView with one known-size vector column.</summary>
internal static class ImportData
{
    public sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public static IDataView Of(MLContext ml, IEnumerable<float[]> rows, int width, string column = nameof(Row.Features)) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), Schema(width, column));

    /// <summary>The row type's schema with the vector's size (and name), for data views and prediction engines.</summary>
    public static SchemaDefinition Schema(int width, string column = nameof(Row.Features))
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        var features = schema[nameof(Row.Features)];
        features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        features.ColumnName = column;
        return schema;
    }
}
