namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// The saved state of a <see cref="GymnasiumVectorEnv"/> (format 2), and its reader and writer. Either the episode
/// starts (JSON from the driver: what started each env's current game) or, for a full replay, the seed of the last
/// reset; then the actions since (<see cref="ActionHistory"/>) and the observations at the save, to check a restore.
/// </summary>
/// <remarks>
/// Layout, little-endian: int32 format (2), int32 number of envs, byte kind (0 full replay, 1 episode replay), then
/// int32 seed (full replay) or a length-prefixed UTF-8 string of episode starts (episode replay), the action history,
/// int32 observation byte count and the observation bytes.
/// </remarks>
internal sealed record VectorEnvState(int Seed, string? EpisodeStarts, ActionHistory History, byte[] Observations)
{
    /// <summary>The one format written and read.</summary>
    public const int Format = 2;

    private const byte FullReplay = 0;
    private const byte EpisodeReplay = 1;

    /// <summary>The state's bytes: <see cref="EpisodeStarts"/> when set, else <see cref="Seed"/> for a full replay.</summary>
    public byte[] ToBytes(int numEnvs)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Format);
            writer.Write(numEnvs);
            writer.Write(EpisodeStarts is null ? FullReplay : EpisodeReplay);
            if (EpisodeStarts is null)
            {
                writer.Write(Seed);
            }
            else
            {
                writer.Write(EpisodeStarts);
            }
            History.Write(writer);
            writer.Write(Observations.Length);
            writer.Write(Observations);
        }
        return stream.ToArray();
    }

    /// <summary>Reads what <see cref="ToBytes"/> wrote, checked against the vector env <paramref name="id"/> of
    /// <paramref name="numEnvs"/> envs with action space <paramref name="space"/>.</summary>
    /// <exception cref="InvalidDataException">Another format, another number of envs, or actions that do not fit.</exception>
    public static VectorEnvState Read(byte[] state, string id, int numEnvs, DiscreteSpace space)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        int format = reader.ReadInt32();
        if (format != Format)
        {
            throw new InvalidDataException(
                $"{id}: the checkpoint's environment state is of format {format}; this DqnBridge reads format {Format} only. " +
                "Start the run again, or resume it with the DqnBridge version that wrote the checkpoint.");
        }
        int count = reader.ReadInt32();
        if (count != numEnvs)
        {
            throw new InvalidDataException($"{id}: the saved state is of {count} environments, this vector env has {numEnvs}.");
        }
        byte kind = reader.ReadByte();
        if (kind is not (FullReplay or EpisodeReplay))
        {
            throw new InvalidDataException($"{id}: environment state of unknown kind {kind}.");
        }
        int seed = kind == FullReplay ? reader.ReadInt32() : 0;
        string? episodeStarts = kind == EpisodeReplay ? reader.ReadString() : null;
        var history = new ActionHistory(numEnvs, space);
        history.Read(reader);
        byte[] observations = reader.ReadBytes(reader.ReadInt32());
        return new VectorEnvState(seed, episodeStarts, history, observations);
    }
}
