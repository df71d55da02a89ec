using System.Reflection;
using System.Text;
using DqnBridge.Agent;

namespace DqnBridge.Cli.Config;

/// <summary>One hyperparameter: its snake_case key, the property behind it and what it means.</summary>
public sealed record ConfigKey(string Name, PropertyInfo Property, string Description)
{
    public Type Type => Property.PropertyType;

    public string DefaultText => ConfigValues.Format(Property.GetValue(new DqnConfig()));

    /// <summary>What values the key accepts, for error messages and the key reference.</summary>
    public string TypeText =>
        Type.IsEnum ? string.Join("|", Enum.GetNames(Type).Select(ConfigKeys.EnumName))
        : Type == typeof(int[]) ? "list of int"
        : Type == typeof(Dictionary<string, object>) ? "map"
        : Type.Name.ToLowerInvariant() switch { "int32" => "int", "int64" => "int", "boolean" => "bool", var name => name };
}

/// <summary>
/// The keys of <see cref="DqnConfig"/>, taken from its properties so the documentation printed by
/// `dqnbridge config keys` can never drift from the code.
/// </summary>
public static class ConfigKeys
{
    private static readonly Dictionary<string, string> Descriptions = new()
    {
        ["exp_name"] = "Experiment name, part of the run name",
        ["seed"] = "Seed of the network, replay sampling, exploration and environments",
        ["env_id"] = "Environment id, e.g. CartPole-v1 or ALE/Pong-v5",
        ["num_envs"] = "Environments stepped together in the vector environment",
        ["backend"] = "auto uses Gymnasium when importable, else the built-in environment",
        ["wrappers"] = "Pixel preprocessing: none, atari (Nature DQN) or car_racing",
        ["env_kwargs"] = "Keyword arguments for gymnasium.make, e.g. env_kwargs.continuous=false",
        ["frame_skip"] = "Frames per action for the pixel wrappers",
        ["frame_stack"] = "Frames per observation for the pixel wrappers",
        ["python"] = "Python executable whose environment has Gymnasium; empty finds python3",
        ["car_racing_frame"] = "CarRacing frames: resize (84x96 strip above the dashboard, area-averaged to 84x84) or crop (img[:84, 6:90], the CarRacing notebook's)",
        ["vectorization"] = "How environments are stepped: sync, async (Gymnasium subprocesses) or ale (ALE's C++ AtariVectorEnv; ALE ids with wrappers=atari)",
        ["total_timesteps"] = "Environment steps to train for (summed over envs)",
        ["learning_rate"] = "Optimizer learning rate",
        ["buffer_size"] = "Replay memory capacity in transitions",
        ["gamma"] = "Discount factor",
        ["tau"] = "Target network update rate; 1.0 copies the weights",
        ["target_network_frequency"] = "Steps between target network updates",
        ["batch_size"] = "Transitions sampled per gradient step",
        ["start_e"] = "Starting exploration epsilon",
        ["end_e"] = "Final exploration epsilon",
        ["exploration_fraction"] = "Fraction of total_timesteps over which a linear epsilon decays",
        ["learning_starts"] = "Steps of random play before learning starts",
        ["train_frequency"] = "Steps between gradient steps",
        ["max_episodes"] = "Stop after this many finished episodes (or total_timesteps, whichever is first); 0 turns it off",
        ["truncation_as_terminal"] = "Treat time-limit truncation as terminal: the Bellman target is r alone when an episode ended either way",
        ["epsilon_schedule"] = "linear (CleanRL) or exponential (end_e + (start_e - end_e) exp(-t / epsilon_decay_steps))",
        ["epsilon_decay_steps"] = "Time constant of the exponential epsilon schedule",
        ["loss"] = "TD loss: mse (CleanRL) or huber (smooth L1)",
        ["optimizer"] = "adam, adamw or rmsprop",
        ["max_grad_norm"] = "Gradient L2-norm clipping; 0 turns it off",
        ["double_dqn"] = "Pick next actions with the online network (Double DQN)",
        ["network"] = "mlp or nature_cnn",
        ["hidden_sizes"] = "Hidden layer widths of the MLP, e.g. [120,84]",
        ["runs_dir"] = "Folder that receives runs/<run-name>/",
        ["checkpoint_frequency"] = "Steps between checkpoints; 0 writes one only at the end and on Ctrl+C",
        ["tensorboard"] = "Write TensorBoard event files",
        ["torch_threads"] = "libtorch intra-op threads (1 is fastest for small networks)",
        ["eval_episodes"] = "Episodes run by evaluate and by each evaluation during training",
        ["eval_frequency"] = "Steps between evaluations during training on a separate environment (eval.csv, TensorBoard eval/, eval_curve.png); 0 turns them off",
        ["eval_steps"] = "When positive, each evaluation during training plays this many steps (episodes finished within them count) instead of eval_episodes",
        ["eval_seed"] = "The evaluation at step t resets its environment with eval_seed + t (depends on the step alone, so resumed runs evaluate identically)",
        ["allow_large_replay"] = "Allocate the replay buffer even when it needs more memory than the machine has available",
        ["eval_epsilon"] = "Epsilon during evaluation (CleanRL uses 0.05)",
        ["log_frequency"] = "Training steps between TensorBoard scalars for loss and Q values (CleanRL: 100)",
    };

    public static IReadOnlyList<ConfigKey> All { get; } = typeof(DqnConfig)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite)
        .Select(p => new ConfigKey(ToSnakeCase(p.Name), p, Descriptions.GetValueOrDefault(ToSnakeCase(p.Name), "")))
        .ToList();

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static ConfigKey Get(string name)
    {
        if (ByName.TryGetValue(name.Trim().ToLowerInvariant().Replace('-', '_'), out var key))
            return key;
        var closest = All.MinBy(k => EditDistance(k.Name, name))!;
        throw new ConfigException(
            $"Unknown config key '{name}'. Did you mean '{closest.Name}'?\n" +
            $"Valid keys: {string.Join(", ", All.Select(k => k.Name))}");
    }

    /// <summary>Property names to keys: LearningRate -> learning_rate, StartE -> start_e.</summary>
    public static string ToSnakeCase(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && char.IsLower(name[i - 1]))
                text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>Enum values as users type them: NatureCnn -> nature_cnn, RMSprop -> rmsprop, AdamW -> adamw.</summary>
    public static string EnumName(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var startsWord = char.IsUpper(name[i]) && i > 0 && char.IsLower(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
            if (startsWord)
                text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
