using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: ModelProbe <model.zip> <rows.tsv>
//
// Loads <model.zip> with a fresh MLContext and mlContext.Model.Load only, reads the rows of <rows.tsv> (tab-separated,
// no header, the saved input schema's columns in order, a vector column spread over as many fields as it has
// values), scores them and prints one JSON object per row on standard output: every visible column that is a
// Single, a vector of Single or a key, by name. Exit codes: 0 success, 2 bad arguments, 1 anything else.

if (args.Length != 2)
{
    Console.Error.WriteLine("Usage: ModelProbe <model.zip> <rows.tsv>");
    return 2;
}

try
{
    var mlContext = new MLContext();
    var model = mlContext.Model.Load(args[0], out var inputSchema);
    var rows = mlContext.Data.LoadFromTextFile(args[1], TextColumnsFor(inputSchema), separatorChar: '\t');
    var scored = model.Transform(rows);
    using var stdout = Console.OpenStandardOutput();
    WriteJsonLines(scored, stdout);
    return 0;
}
catch (Exception e)
{
    // The test shows this text when the probe fails, so give the whole chain of causes.
    Console.Error.WriteLine(e.ToString());
    return 1;
}

// One text-loader column per input column, in schema order: the file lays the values out the same way.
static TextLoader.Column[] TextColumnsFor(DataViewSchema schema)
{
    var columns = new List<TextLoader.Column>();
    int field = 0;
    foreach (var column in schema.Where(c => !c.IsHidden))
    {
        if (column.Type == NumberDataViewType.Single)
        {
            columns.Add(new TextLoader.Column(column.Name, DataKind.Single, field));
            field++;
        }
        else if (column.Type is VectorDataViewType { IsKnownSize: true } vector && vector.ItemType == NumberDataViewType.Single)
        {
            columns.Add(new TextLoader.Column(column.Name, DataKind.Single, field, field + vector.Size - 1));
            field += vector.Size;
        }
        else
        {
            throw new NotSupportedException($"Input column '{column.Name}' is {column.Type}; the probe reads only Single and known-size vectors of Single.");
        }
    }
    return columns.ToArray();
}

static void WriteJsonLines(IDataView data, Stream output)
{
    var printable = data.Schema.Where(c => !c.IsHidden && IsPrintable(c.Type)).ToList();
    using var cursor = data.GetRowCursor(printable);
    var writers = printable.Select(c => ValueWriter(cursor, c)).ToList();
    using var json = new Utf8JsonWriter(output);
    while (cursor.MoveNext())
    {
        json.WriteStartObject();
        foreach (var write in writers) write(json);
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
        json.Reset();
    }
}

static bool IsPrintable(DataViewType type) =>
    type == NumberDataViewType.Single
    || type is KeyDataViewType { RawType: var raw } && raw == typeof(uint)
    || type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single;

static Action<Utf8JsonWriter> ValueWriter(DataViewRowCursor cursor, DataViewSchema.Column column)
{
    if (column.Type == NumberDataViewType.Single)
    {
        var getter = cursor.GetGetter<float>(column);
        return json =>
        {
            float value = 0;
            getter(ref value);
            json.WriteNumber(column.Name, value);
        };
    }
    if (column.Type is KeyDataViewType)
    {
        var getter = cursor.GetGetter<uint>(column);
        return json =>
        {
            uint value = 0;
            getter(ref value);
            json.WriteNumber(column.Name, value);
        };
    }
    var vectorGetter = cursor.GetGetter<VBuffer<float>>(column);
    VBuffer<float> buffer = default;
    return json =>
    {
        vectorGetter(ref buffer);
        json.WriteStartArray(column.Name);
        foreach (float value in buffer.DenseValues()) json.WriteNumberValue(value);
        json.WriteEndArray();
    };
}
