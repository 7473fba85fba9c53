using System.Reflection;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// SchemaShape.Create(DataViewSchema) is internal to ML.NET (its pipelines call it before GetOutputSchema), so the
/// tests reach it by reflection to call GetOutputSchema the way ML.NET itself does.
/// </summary>
internal static class SchemaShapes
{
    private static readonly MethodInfo Create =
        typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, [typeof(DataViewSchema)])
        ?? throw new MissingMethodException("This ML.NET version has no SchemaShape.Create(DataViewSchema).");

    public static SchemaShape Of(DataViewSchema schema) => (SchemaShape)Create.Invoke(null, [schema])!;
}
