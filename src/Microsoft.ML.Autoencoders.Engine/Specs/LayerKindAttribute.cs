namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>
/// Names the kind a <see cref="LayerSpec"/> record is stored under in model files (the JSON "kind" field). The library's
/// own kinds are found by this attribute when <see cref="LayerKinds"/> is first used, so adding a kind to the engine is
/// adding its files; an application registers its own with <see cref="LayerKinds.RegisterAssembly"/> or
/// <see cref="LayerKinds.Register{TSpec}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LayerKindAttribute(string kind) : Attribute
{
    /// <summary>The stored name, e.g. "dense"; unique among registered kinds.</summary>
    public string Kind { get; } = kind;
}
