using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>
/// Turns a <see cref="DataSet"/> into the IDataView the library's estimators and transformers take: one known-size vector
/// column of Single named <see cref="ColumnName"/>.
/// </summary>
internal static class FeatureView
{
    public const string ColumnName = "Features";

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public static IDataView Create(MLContext mlContext, DataSet data)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.Width);
        var rows = Enumerable.Range(0, data.Rows).Select(r => new Row { Features = data.Row(r) }).ToArray();
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }
}
