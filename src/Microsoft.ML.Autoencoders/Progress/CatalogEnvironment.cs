using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The <see cref="IHostEnvironment"/> behind an ML.NET catalog (<c>mlContext.Transforms</c>,
/// <c>mlContext.AnomalyDetection.Trainers</c>, ...): what the estimators write their training lines to, so that they reach
/// <c>mlContext.Log</c>.
/// </summary>
/// <remarks>
/// ML.NET offers no public way to it. Its own components call <c>CatalogUtils.GetEnvironment(catalog)</c>, but
/// <c>CatalogUtils</c> is internal, and so is the <c>Microsoft.ML.Data.IInternalCatalog</c> interface that every catalog
/// implements with an <c>Environment</c> property (checked against Microsoft.ML 6.0.0: <c>catalog.GetEnvironment()</c> does
/// not compile from outside). So this one place reads that property by reflection. Logging is not worth failing a Fit
/// over: if a future ML.NET renames the interface, <see cref="Of"/> gives null and training runs silently (the
/// callbacks and progress still work); the logging tests then fail and say so.
/// </remarks>
internal static class CatalogEnvironment
{
    private const string InternalCatalogInterface = "Microsoft.ML.Data.IInternalCatalog";

    /// <summary>The catalog's environment, or null when this ML.NET version hides it where it is not looked for.</summary>
    public static IHostEnvironment? Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var internalCatalog = catalog.GetType().GetInterfaces().FirstOrDefault(i => i.FullName == InternalCatalogInterface);
        var property = internalCatalog?.GetProperty("Environment", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        return property?.GetValue(catalog) as IHostEnvironment;
    }
}
