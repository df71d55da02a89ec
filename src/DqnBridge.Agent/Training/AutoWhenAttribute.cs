namespace DqnBridge.Agent.Training;

/// <summary>Marks an int setting whose value <see cref="Value"/> means "auto": config files and the CLI write and read it as the word auto.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AutoWhenAttribute(int value) : Attribute
{
    /// <summary>The value that stands for auto.</summary>
    public int Value { get; } = value;
}
