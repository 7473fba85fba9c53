using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>
/// The registry of layer kinds: each <see cref="LayerSpec"/> record type under the name a model file stores for it
/// (the JSON "kind" field). The engine's own kinds register themselves by <see cref="LayerKindAttribute"/>; reading a
/// model looks kinds up here, so a layer kind defined outside this library (in an application or a test) loads once its
/// assembly calls <see cref="RegisterAssembly"/> or <see cref="Register{TSpec}"/>; nothing in the library changes.
/// </summary>
public static class LayerKinds
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Type> TypesByKind = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, string> KindsByType = new();
    private static JsonSerializerOptions? _json;

    static LayerKinds() => RegisterAssembly(typeof(LayerKinds).Assembly);

    /// <summary>
    /// Registers every <see cref="LayerSpec"/> record in <paramref name="assembly"/> that carries a
    /// <see cref="LayerKindAttribute"/>: the engine's own kinds at first use, an application's with one call.
    /// </summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes())
        {
            if (type.GetCustomAttribute<LayerKindAttribute>() is not { } attribute) continue;
            if (!typeof(LayerSpec).IsAssignableFrom(type) || type.IsAbstract)
                throw new InvalidOperationException($"{type.FullName} carries [LayerKind(\"{attribute.Kind}\")] but is not a concrete LayerSpec record.");
            Register(type, attribute.Kind);
        }
    }

    /// <summary>
    /// Registers <typeparamref name="TSpec"/> under <paramref name="kind"/>. Registering the same pair again does nothing;
    /// a kind or a type already registered otherwise is refused, since model files would then be ambiguous.
    /// </summary>
    public static void Register<TSpec>(string kind) where TSpec : LayerSpec => Register(typeof(TSpec), kind);

    private static void Register(Type type, string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        lock (Gate)
        {
            if (TypesByKind.TryGetValue(kind, out var existing))
            {
                if (existing == type) return;
                throw new ArgumentException($"Layer kind '{kind}' is already registered for {existing.FullName}.", nameof(kind));
            }
            if (KindsByType.TryGetValue(type, out var other))
                throw new ArgumentException($"{type.FullName} is already registered as layer kind '{other}'.", nameof(kind));
            TypesByKind[kind] = type;
            KindsByType[type] = kind;
            _json = null; // the next (de)serialization builds options that know the new kind
        }
    }

    /// <summary>True when <paramref name="kind"/> is registered.</summary>
    public static bool IsRegistered(string kind)
    {
        lock (Gate) return TypesByKind.ContainsKey(kind);
    }

    /// <summary>The registered kinds, sorted.</summary>
    public static IReadOnlyList<string> All
    {
        get { lock (Gate) return TypesByKind.Keys.Order(StringComparer.Ordinal).ToArray(); }
    }

    /// <summary>The kind <paramref name="specType"/> is registered under, or null when it is not registered.</summary>
    public static string? TryKindOf(Type specType)
    {
        lock (Gate) return KindsByType.TryGetValue(specType, out var kind) ? kind : null;
    }

    /// <summary>
    /// The serializer settings for specs: camelCase properties, enums as names, and every registered spec type as a
    /// derived type of <see cref="LayerSpec"/> with its kind as the "kind" discriminator.
    /// </summary>
    internal static JsonSerializerOptions Json
    {
        get
        {
            lock (Gate) return _json ??= CreateJsonOptions(TypesByKind.ToArray());
        }
    }

    private static JsonSerializerOptions CreateJsonOptions(KeyValuePair<string, Type>[] kinds)
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            // Only what a spec is made of: computed, get-only properties (Kind, IsElementwise, AppliedActivation and their
            // overrides, which [JsonIgnore] on the base does not reach) stay out of files, so they can change freely.
            if (info.Kind == JsonTypeInfoKind.Object && typeof(LayerSpec).IsAssignableFrom(info.Type))
            {
                for (int i = info.Properties.Count - 1; i >= 0; i--)
                    if (info.Properties[i].Set is null) info.Properties.RemoveAt(i);
            }
            if (info.Type != typeof(LayerSpec)) return;
            info.PolymorphismOptions = new JsonPolymorphismOptions
            {
                TypeDiscriminatorPropertyName = "kind",
                UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
            };
            foreach (var (kind, type) in kinds) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, kind));
        });
        return new JsonSerializerOptions
        {
            TypeInfoResolver = resolver,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            AllowOutOfOrderMetadataProperties = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            Converters = { new JsonStringEnumConverter() },
        };
    }
}
