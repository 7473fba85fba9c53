using System.Numerics;

namespace Microsoft.ML.Autoencoders.Engine;

/// <summary>
/// A small, fast, seeded generator (xoshiro128** seeded through SplitMix64) so that the same seed gives the
/// same weights, shuffles and noise on every machine and .NET version — System.Random makes no such promise.
/// </summary>
public sealed class SeededRandom
{
    private uint _s0, _s1, _s2, _s3;
    private float _spareGaussian;
    private bool _hasSpareGaussian;

    /// <summary>Creates a generator whose whole sequence is fixed by <paramref name="seed"/>.</summary>
    public SeededRandom(long seed)
    {
        // SplitMix64 spreads any seed (even 0) over the 128-bit state; an all-zero state would stick at zero.
        ulong x = unchecked((ulong)seed);
        ulong a = SplitMix64(ref x), b = SplitMix64(ref x);
        _s0 = (uint)a; _s1 = (uint)(a >> 32); _s2 = (uint)b; _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt32()
    {
        uint result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>A uniform float in [0, 1), from the top 24 bits so every value is exactly representable.</summary>
    public float NextFloat() => (NextUInt32() >> 8) * (1.0f / (1 << 24));

    /// <summary>A uniform float in [low, high).</summary>
    public float NextFloat(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>A uniform integer in [0, exclusiveMax), without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), "The bound must be positive.");
        uint bound = (uint)exclusiveMax;
        ulong product = (ulong)NextUInt32() * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (uint)(-(int)bound) % bound;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * bound;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    /// <summary>A standard normal sample (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public float NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }
        // 1 - u keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - NextFloat();
        double u2 = NextFloat();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareGaussian = (float)(radius * Math.Sin(angle));
        _hasSpareGaussian = true;
        return (float)(radius * Math.Cos(angle));
    }

    /// <summary>Writes the generator's whole state (a checkpoint): a generator read back from it continues the same sequence.</summary>
    internal void WriteState(BinaryWriter writer)
    {
        writer.Write(_s0); writer.Write(_s1); writer.Write(_s2); writer.Write(_s3);
        writer.Write(_spareGaussian);
        writer.Write(_hasSpareGaussian);
    }

    /// <summary>Puts back a state written by <see cref="WriteState"/>.</summary>
    internal void ReadState(BinaryReader reader)
    {
        uint s0 = reader.ReadUInt32(), s1 = reader.ReadUInt32(), s2 = reader.ReadUInt32(), s3 = reader.ReadUInt32();
        if ((s0 | s1 | s2 | s3) == 0) throw new InvalidDataException("A random generator's state is all zeros, which xoshiro128** never reaches.");
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
        _spareGaussian = reader.ReadSingle();
        _hasSpareGaussian = reader.ReadBoolean();
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
