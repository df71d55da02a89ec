using System.Diagnostics;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;

namespace DqnBridge.Benchmarks;

/// <summary>
/// Environment steps through Gymnasium with learning off (the wrappers training uses), microseconds per step, beside the same work in
/// plain Python loops run by the same embedded interpreter:
///   gymnasium [--env CartPole-v1] [--wrappers none|atari|carracing] [--steps 100000] [--seed 1] [--blocks 30]
/// "DqnBridge" is GymnasiumVectorEnv.Step with one env plus the copy of the observation the trainer makes;
/// "Python loop" is make_env's env (same wrappers) stepped by `for a in actions: env.step(a)` with autoreset;
/// "SyncVectorEnv" is gymnasium.vector.SyncVectorEnv of that env, as CleanRL's dqn.py steps it. The same
/// actions (uniform random) drive all three, in blocks taken in turn so that all three share the load of a
/// busy machine; each figure is the median block.
/// </summary>
public static class GymnasiumStepBenchmark
{
    private const string Loops =
        "import time, numpy as np, gymnasium, dqnbridge_envs\n" +
        "from gymnasium.vector import AutoresetMode\n" +
        "def setup(env_id, wrappers, actions, seed):\n" +
        "    global env, envs, action_list, action_rows\n" +
        "    env = dqnbridge_envs.make_env(env_id, None, wrappers)\n" +
        "    env.reset(seed=seed)\n" +
        "    envs = gymnasium.vector.SyncVectorEnv([lambda: dqnbridge_envs.make_env(env_id, None, wrappers)], autoreset_mode=AutoresetMode.SAME_STEP)\n" +
        "    envs.reset(seed=seed)\n" +
        "    action_list = list(actions)\n" +
        "    action_rows = np.asarray(actions, dtype=np.int64).reshape(-1, 1)\n" +
        "def python_loop(start, count):\n" +
        "    t = time.perf_counter()\n" +
        "    for a in action_list[start:start + count]:\n" +
        "        obs, reward, terminated, truncated, info = env.step(a)\n" +
        "        if terminated or truncated:\n" +
        "            obs, _ = env.reset()\n" +
        "    return time.perf_counter() - t\n" +
        "def sync_vector_loop(start, count):\n" +
        "    t = time.perf_counter()\n" +
        "    for a in action_rows[start:start + count]:\n" +
        "        obs, rewards, terminated, truncated, infos = envs.step(a)\n" +
        "    return time.perf_counter() - t\n" +
        "def close():\n" +
        "    env.close()\n" +
        "    envs.close()\n";

    public static int Run(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        string envId = options.GetValueOrDefault("env", "CartPole-v1");
        string wrappersName = options.GetValueOrDefault("wrappers", envId.StartsWith("ALE/", StringComparison.Ordinal) ? "atari" : "none");
        var wrappers = Enum.Parse<EnvWrappers>(wrappersName, ignoreCase: true);
        int steps = int.Parse(options.GetValueOrDefault("steps", "100000"));
        int seed = int.Parse(options.GetValueOrDefault("seed", "1"));
        int blocks = int.Parse(options.GetValueOrDefault("blocks", "30"));

        var spec = new EnvSpec(envId, NumEnvs: 1, Backend: EnvBackend.Gymnasium, Wrappers: wrappers,
            Kwargs: envId.Contains("CarRacing", StringComparison.Ordinal) ? new Dictionary<string, object> { ["continuous"] = false } : null);
        using var envs = new GymnasiumVectorEnv(spec, training: true); // the wrappers training uses, as make_env makes them by default
        Console.WriteLine($"Python {PythonEngine.Installation!.Version} from {PythonEngine.Installation.Executable}");
        var sampler = new SeededRandom(seed);
        int[] actions = new int[steps];
        for (int t = 0; t < steps; t++)
        {
            actions[t] = sampler.Next(envs.SingleActionSpace.N) + envs.SingleActionSpace.Start;
        }

        string wrapperArgument = wrappers.ToString().ToLowerInvariant();
        using (Py.GIL())
        {
            scope = Py.NewDict();
            PythonEngine.Exec(Loops, scope);
            using var setup = scope["setup"];
            using var actionList = PyObject.FromManaged(actions);
            using var done = setup.Invoke(envId, wrapperArgument, actionList, seed);
        }
        envs.Reset(seed);
        // Blocks of steps, taken in turn by the three loops, so that they share the machine's ups and downs;
        // each loop's figure is its median block.
        int block = Math.Max(1, steps / blocks);
        var ourBlocks = new List<double>();
        var plainBlocks = new List<double>();
        var vectorBlocks = new List<double>();
        byte[] observation = new byte[envs.Observations.Length];
        for (int start = 0; start + block <= steps; start += block)
        {
            var watch = Stopwatch.StartNew();
            for (int t = start; t < start + block; t++)
            {
                envs.Step(actions.AsSpan(t, 1));
                envs.Observations.CopyTo(observation);
            }
            ourBlocks.Add(watch.Elapsed.TotalSeconds / block);
            plainBlocks.Add(TimePython("python_loop", start, block) / block);
            vectorBlocks.Add(TimePython("sync_vector_loop", start, block) / block);
        }
        using (Py.GIL())
        {
            using var close = scope["close"];
            using var closed = close.Invoke();
        }
        double ours = Median(ourBlocks), plain = Median(plainBlocks), vector = Median(vectorBlocks);
        double oursMicros = ours * 1e6, plainMicros = plain * 1e6, vectorMicros = vector * 1e6;
        Console.WriteLine($"{envId} (wrappers {wrapperArgument}, learning off, {steps} steps in blocks of {block}, median block), microseconds per step:");
        Console.WriteLine($"  {"DqnBridge (GymnasiumVectorEnv.Step + copy)",-46} {oursMicros,9:F2}");
        Console.WriteLine($"  {"plain Python loop (env.step, reset on done)",-46} {plainMicros,9:F2}   DqnBridge / loop = {oursMicros / plainMicros:F3}");
        Console.WriteLine($"  {"gymnasium.vector.SyncVectorEnv loop",-46} {vectorMicros,9:F2}   DqnBridge / SyncVectorEnv = {oursMicros / vectorMicros:F3}");
        return 0;
    }

    private static PyObject scope = null!;

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static double TimePython(string loop, int start, int count)
    {
        using var gil = Py.GIL();
        using var function = scope[loop];
        using var seconds = function.Invoke(start, count);
        return seconds.As<double>();
    }
}
