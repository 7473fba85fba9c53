using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Builds <see cref="SchemaShape.Column"/> values. Their constructor is internal to ML.NET
/// (dotnet/machinelearning#3243), yet <see cref="IEstimator{T}.GetOutputSchema"/> must return them, so this
/// one place calls the constructor by reflection and fails loudly if a future ML.NET changes it.
/// </summary>
internal static class SchemaShapeColumns
{
    private static readonly ConstructorInfo Constructor =
        typeof(SchemaShape.Column).GetConstructor(
            BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, null,
            [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)], null)
        ?? throw new MissingMethodException("This ML.NET version has no SchemaShape.Column(string, VectorKind, DataViewType, bool, SchemaShape) constructor.");

    public static SchemaShape.Column Vector(string name, DataViewType itemType) => Create(name, SchemaShape.Column.VectorKind.Vector, itemType);

    public static SchemaShape.Column Scalar(string name, DataViewType itemType) => Create(name, SchemaShape.Column.VectorKind.Scalar, itemType);

    private static SchemaShape.Column Create(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType) =>
        (SchemaShape.Column)Constructor.Invoke([name, kind, itemType, false, null]);
}
