using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// One generic check of an estimator, after ML.NET's TestEstimatorCore: the promised schema is the schema
/// delivered, invalid input is refused at every stage, and save → load in a fresh context gives the same outputs.
/// </summary>
internal static class EstimatorWorkout
{
    public static void Run(IEstimator<ITransformer> estimator, IDataView validData, IDataView invalidData)
    {
        // 1. Schema propagation: what GetOutputSchema promises without data is what Transform delivers.
        var shape = estimator.GetOutputSchema(SchemaShapes.Of(validData.Schema));
        var transformer = estimator.Fit(validData);
        var scored = transformer.Transform(validData);
        AssertShapeMatchesSchema(shape, scored.Schema);
        AssertSameVisibleColumns(scored.Schema, transformer.GetOutputSchema(validData.Schema), "GetOutputSchema vs Transform");

        // 2. Invalid input is refused by the estimator before training and by the fitted transformer before scoring.
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.Of(invalidData.Schema)));
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(invalidData));
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.Transform(invalidData));

        // 3. Save, load in a fresh context, and score the same rows: same columns, same values.
        using var file = new TemporaryFile();
        new MLContext().Model.Save(transformer, validData.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(validData);
        AssertSameVisibleColumns(scored.Schema, loaded.Schema, "before vs after save/load");
        // Passed-through inputs are compared too: cheap, and it catches a chain that disturbs them.
        foreach (var column in scored.Schema.Where(c => !c.IsHidden))
        {
            if (column.Type is VectorDataViewType)
                ColumnValues.AssertClose(ColumnValues.Vectors(scored, column.Name), ColumnValues.Vectors(loaded, column.Name), column.Name);
            else
                ColumnValues.AssertClose(ColumnValues.Scalars(scored, column.Name), ColumnValues.Scalars(loaded, column.Name), column.Name);
        }
    }

    /// <summary>The shape and the schema list the same visible columns, each with the same kind and item type.</summary>
    public static void AssertShapeMatchesSchema(SchemaShape shape, DataViewSchema schema)
    {
        var visible = schema.Where(c => !c.IsHidden).ToList();
        Assert.Equal(shape.Select(c => c.Name).Order(), visible.Select(c => c.Name).Order());
        foreach (var column in visible)
        {
            var promised = shape.Single(c => c.Name == column.Name);
            var (kind, itemType) = column.Type switch
            {
                VectorDataViewType { IsKnownSize: true } vector => (SchemaShape.Column.VectorKind.Vector, vector.ItemType),
                VectorDataViewType vector => (SchemaShape.Column.VectorKind.VariableVector, vector.ItemType),
                var scalar => (SchemaShape.Column.VectorKind.Scalar, scalar),
            };
            Assert.True(promised.Kind == kind, $"Column '{column.Name}': promised {promised.Kind}, delivered {kind}.");
            Assert.True(promised.ItemType.Equals(itemType), $"Column '{column.Name}': promised {promised.ItemType}, delivered {itemType}.");
        }
    }

    /// <summary>
    /// The same visible names with the same types. Order is not compared: when an output replaces an input of the
    /// same name, the loaded chain (CopyColumns, then DropColumns removing the shadowed input) leaves it at the
    /// input's position while the engine appends it, and ML.NET consumers find columns by name.
    /// </summary>
    private static void AssertSameVisibleColumns(DataViewSchema expected, DataViewSchema actual, string what)
    {
        static string Describe(DataViewSchema schema) =>
            string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}").Order(StringComparer.Ordinal));
        Assert.True(Describe(expected) == Describe(actual), $"{what}:\n  {Describe(expected)}\n  {Describe(actual)}");
    }
}
