using System.Diagnostics;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;

namespace DqnBridge.Benchmarks;

/// <summary>
/// Environment steps through Gymnasium with learning off, microseconds per step, beside the same work in
/// plain Python loops run by the same embedded interpreter:
///   gymnasium [--env CartPole-v1] [--wrappers none|atari|carracing] [--steps 100000] [--seed 1] [--rounds 3]
/// "DqnBridge" is GymnasiumVectorEnv.Step with one env plus the copy of the observation the trainer makes;
/// "Python loop" is make_env's env (same wrappers) stepped by `for a in actions: env.step(a)` with autoreset;
/// "SyncVectorEnv" is gymnasium.vector.SyncVectorEnv of that env, as CleanRL's dqn.py steps it. The same
/// actions (uniform random) drive all three; the best of the rounds is kept, the rounds interleaved.
/// </summary>
public static class GymnasiumStepBenchmark
{
    private const string Loops =
        "import time, numpy as np, gymnasium, dqnbridge_envs\n" +
        "def python_loop(env_id, wrappers, actions, seed):\n" +
        "    env = dqnbridge_envs.make_env(env_id, None, wrappers)\n" +
        "    obs, _ = env.reset(seed=seed)\n" +
        "    start = time.perf_counter()\n" +
        "    for a in actions:\n" +
        "        obs, reward, terminated, truncated, info = env.step(a)\n" +
        "        if terminated or truncated:\n" +
        "            obs, _ = env.reset()\n" +
        "    seconds = time.perf_counter() - start\n" +
        "    env.close()\n" +
        "    return seconds\n" +
        "def sync_vector_loop(env_id, wrappers, actions, seed):\n" +
        "    from gymnasium.vector import AutoresetMode\n" +
        "    envs = gymnasium.vector.SyncVectorEnv([lambda: dqnbridge_envs.make_env(env_id, None, wrappers)], autoreset_mode=AutoresetMode.SAME_STEP)\n" +
        "    obs, _ = envs.reset(seed=seed)\n" +
        "    rows = np.asarray(actions, dtype=np.int64).reshape(-1, 1)\n" +
        "    start = time.perf_counter()\n" +
        "    for a in rows:\n" +
        "        obs, rewards, terminated, truncated, infos = envs.step(a)\n" +
        "    seconds = time.perf_counter() - start\n" +
        "    envs.close()\n" +
        "    return seconds\n";

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
        int rounds = int.Parse(options.GetValueOrDefault("rounds", "3"));

        var spec = new EnvSpec(envId, NumEnvs: 1, Backend: EnvBackend.Gymnasium, Wrappers: wrappers,
            Kwargs: envId.Contains("CarRacing", StringComparison.Ordinal) ? new Dictionary<string, object> { ["continuous"] = false } : null);
        using var envs = new GymnasiumVectorEnv(spec, training: false);
        Console.WriteLine($"Python {PythonEngine.Installation!.Version} from {PythonEngine.Installation.Executable}");
        var sampler = new UniformActionSampler(seed);
        int[] actions = new int[steps];
        for (int t = 0; t < steps; t++)
        {
            actions[t] = sampler.Sample(envs.SingleActionSpace);
        }

        string wrapperArgument = wrappers.ToString().ToLowerInvariant();
        double ours = double.MaxValue, plain = double.MaxValue, vector = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            // Our steps take and release the GIL each time, as in training; the Python loops hold it throughout.
            ours = Math.Min(ours, TimeOurs(envs, actions, seed));
            plain = Math.Min(plain, TimePython("python_loop", envId, wrapperArgument, actions, seed));
            vector = Math.Min(vector, TimePython("sync_vector_loop", envId, wrapperArgument, actions, seed));
        }
        double oursMicros = ours / steps * 1e6, plainMicros = plain / steps * 1e6, vectorMicros = vector / steps * 1e6;
        Console.WriteLine($"{envId} (wrappers {wrapperArgument}, learning off, {steps} steps, best of {rounds}), microseconds per step:");
        Console.WriteLine($"  {"DqnBridge (GymnasiumVectorEnv.Step + copy)",-46} {oursMicros,9:F2}");
        Console.WriteLine($"  {"plain Python loop (env.step, reset on done)",-46} {plainMicros,9:F2}   DqnBridge / loop = {oursMicros / plainMicros:F3}");
        Console.WriteLine($"  {"gymnasium.vector.SyncVectorEnv loop",-46} {vectorMicros,9:F2}   DqnBridge / SyncVectorEnv = {oursMicros / vectorMicros:F3}");
        return 0;
    }

    private static PyObject? scope;

    private static double TimePython(string loop, string envId, string wrappers, int[] actions, int seed)
    {
        using var gil = Py.GIL();
        if (scope is null)
        {
            scope = Py.NewDict();
            PythonEngine.Exec(Loops, scope);
        }
        using var function = scope[loop];
        using var actionList = PyObject.FromManaged(actions);
        using var seconds = function.Invoke(envId, wrappers, actionList, seed);
        return seconds.As<double>();
    }

    private static double TimeOurs(GymnasiumVectorEnv envs, int[] actions, int seed)
    {
        envs.Reset(seed);
        byte[] observation = new byte[envs.Observations.Length];
        var watch = Stopwatch.StartNew();
        for (int t = 0; t < actions.Length; t++)
        {
            envs.Step(actions.AsSpan(t, 1));
            envs.Observations.CopyTo(observation);
        }
        return watch.Elapsed.TotalSeconds;
    }
}
