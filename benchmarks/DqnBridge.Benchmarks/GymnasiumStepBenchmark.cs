using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Benchmarks;

/// <summary>
/// Environment steps through Gymnasium with learning off (the wrappers training uses), microseconds per step, beside the same work in
/// plain Python loops run by the same embedded interpreter:
///   gymnasium [--env CartPole-v1] [--wrappers none|atari|carracing] [--steps 100000] [--seed 1] [--blocks 30]
/// "DqnBridge" is GymnasiumVectorEnv.Step with one env plus the copy of the observation the trainer makes;
/// "Python loop" is make_env's env (same wrappers) stepped by `for a in actions: env.step(a)` with autoreset;
/// "driver loop" is our VectorDriver of that env stepped from Python (`driver.step(row)`), the same Python work as
/// a DqnBridge step without the crossing from .NET; "SyncVectorEnv" is gymnasium.vector.SyncVectorEnv of that env, as
/// CleanRL's dqn.py steps it. The same actions (uniform random) drive all four, in blocks taken in turn so that all
/// share the load of a busy machine; each figure is the median block, in wall time and in process CPU time (the Python
/// loops run in this process too, so both count everything a step costs). The differences say where a step's time
/// goes: Gymnasium's env.step, our driver's bookkeeping, and the crossing from .NET.
/// </summary>
public static class GymnasiumStepBenchmark
{
    private const string Loops =
        "import time, numpy as np, gymnasium\n" +
        "from dqnbridge.drivers import VectorDriver\n" +
        "from dqnbridge.wrappers import make_env\n" +
        "from gymnasium.vector import AutoresetMode\n" +
        "def setup(env_id, wrappers, actions, seed, kwargs):\n" +
        "    global env, envs, action_list, action_rows\n" +
        "    env = make_env(env_id, kwargs, wrappers)\n" +
        "    env.reset(seed=seed)\n" +
        "    envs = gymnasium.vector.SyncVectorEnv([lambda: make_env(env_id, kwargs, wrappers)], autoreset_mode=AutoresetMode.SAME_STEP)\n" +
        "    envs.reset(seed=seed)\n" +
        "    global driver\n" +
        "    driver = VectorDriver(env_id, 1, kwargs, wrappers)\n" +
        "    driver.reset(seed)\n" +
        "    action_list = list(actions)\n" +
        "    action_rows = np.asarray(actions, dtype=np.int64).reshape(-1, 1)\n" +
        "def python_loop(start, count):\n" +
        "    t = time.perf_counter()\n" +
        "    for a in action_list[start:start + count]:\n" +
        "        obs, reward, terminated, truncated, info = env.step(a)\n" +
        "        if terminated or truncated:\n" +
        "            obs, _ = env.reset()\n" +
        "    return time.perf_counter() - t\n" +
        "def driver_loop(start, count):\n" +
        "    t = time.perf_counter()\n" +
        "    for a in action_rows[start:start + count]:\n" +
        "        driver.step(a)\n" +
        "    return time.perf_counter() - t\n" +
        "def sync_vector_loop(start, count):\n" +
        "    t = time.perf_counter()\n" +
        "    for a in action_rows[start:start + count]:\n" +
        "        obs, rewards, terminated, truncated, infos = envs.step(a)\n" +
        "    return time.perf_counter() - t\n" +
        "def close():\n" +
        "    env.close()\n" +
        "    envs.close()\n" +
        "    driver.close()\n";

    public static int Run(Dictionary<string, string> options)
    {
        string envId = options.GetValueOrDefault("env", "CartPole-v1");
        string wrappersName = options.GetValueOrDefault("wrappers", envId.StartsWith("ALE/", StringComparison.Ordinal) ? "atari" : "none");
        Measure(envId, Enum.Parse<EnvWrappers>(wrappersName, ignoreCase: true), int.Parse(options.GetValueOrDefault("steps", "100000")),
            int.Parse(options.GetValueOrDefault("seed", "1")), int.Parse(options.GetValueOrDefault("blocks", "30")));
        return 0;
    }

    /// <summary>Steps <paramref name="envId"/> through the three loops and prints their median blocks, wall and process CPU time.</summary>
    public static void Measure(string envId, EnvWrappers wrappers, int steps, int seed, int blocks)
    {
        bool carRacing = envId.Contains("CarRacing", StringComparison.Ordinal); // discrete actions, as DQN trains it
        var spec = new EnvSpec(envId, NumEnvs: 1, Backend: EnvBackend.Gymnasium, Wrappers: wrappers,
            Kwargs: carRacing ? new Dictionary<string, object> { ["continuous"] = false } : null);
        using var envs = new GymnasiumVectorEnv(spec, training: true); // the wrappers training uses, as make_env makes them by default
        PythonInterpreter interpreter = GymnasiumRuntime.Interpreter!;
        Console.WriteLine($"Python {interpreter.Version} from {interpreter.Description}; pythonnet {typeof(PythonEngine).Assembly.GetName().Version}");
        var sampler = new SeededRandom(seed);
        int[] actions = new int[steps];
        for (int t = 0; t < steps; t++)
        {
            actions[t] = sampler.Next(envs.SingleActionSpace.N) + envs.SingleActionSpace.Start;
        }

        string wrapperArgument = wrappers.ToString().ToLowerInvariant();
        using (Py.GIL())
        {
            scope = Py.CreateScope();
            scope.Exec(Loops);
            using PyObject setup = scope.Get("setup");
            using PyTuple arguments = PythonValues.Tuple([envId, wrapperArgument, actions, seed, spec.Kwargs ?? new Dictionary<string, object>()]);
            using PyObject done = setup.Invoke(arguments);
        }
        envs.Reset(seed);
        // Blocks of steps, taken in turn by the three loops, so that they share the machine's ups and downs;
        // each loop's figure is its median block. Process CPU time counts the Python loops too (same process).
        int block = Math.Max(1, steps / blocks);
        byte[] observation = new byte[envs.Observations.Length];
        var medians = StepCost.MedianBlocks(
        [
            b => StepCost.Measure(block, 1e6, () =>
            {
                for (int t = b * block; t < (b + 1) * block; t++)
                {
                    envs.Step(actions.AsSpan(t, 1));
                    envs.Observations.CopyTo(observation);
                }
            }),
            b => StepCost.Measure(block, 1e6, () => RunPython("python_loop", b * block, block)),
            b => StepCost.Measure(block, 1e6, () => RunPython("driver_loop", b * block, block)),
            b => StepCost.Measure(block, 1e6, () => RunPython("sync_vector_loop", b * block, block)),
        ], steps / block);
        using (Py.GIL())
        {
            using PyObject close = scope.Get("close");
            using PyObject closed = close.Invoke();
            scope.Dispose();
        }
        var ((oursCpu, oursWall), (plainCpu, plainWall), (driverCpu, driverWall), (vectorCpu, vectorWall)) = (medians[0], medians[1], medians[2], medians[3]);
        Console.WriteLine($"{envId} (wrappers {wrapperArgument}, learning off, {steps} steps in blocks of {block}, median block), microseconds per step:");
        Console.WriteLine($"  {"",-46} {"wall",9} {"process CPU",12}");
        Console.WriteLine($"  {"DqnBridge (GymnasiumVectorEnv.Step + copy)",-46} {oursWall,9:F2} {oursCpu,12:F2}");
        Console.WriteLine($"  {"plain Python loop (env.step, reset on done)",-46} {plainWall,9:F2} {plainCpu,12:F2}   DqnBridge / loop = {oursWall / plainWall:F3} wall, {oursCpu / plainCpu:F3} CPU");
        Console.WriteLine($"  {"our VectorDriver.step in a Python loop",-46} {driverWall,9:F2} {driverCpu,12:F2}");
        Console.WriteLine($"  {"gymnasium.vector.SyncVectorEnv loop",-46} {vectorWall,9:F2} {vectorCpu,12:F2}   DqnBridge / SyncVectorEnv = {oursWall / vectorWall:F3} wall, {oursCpu / vectorCpu:F3} CPU");
        Console.WriteLine("  Where a DqnBridge step's time goes (wall, median blocks; differences of medians, so roughly):");
        Console.WriteLine($"    Gymnasium env.step (and reset on done)         {plainWall,9:F2}");
        Console.WriteLine($"    our driver's bookkeeping (results into memory) {driverWall - plainWall,9:F2}");
        Console.WriteLine($"    crossing from .NET (GIL, call, result, copies) {oursWall - driverWall,9:F2}");
    }

    private static PyModule scope = null!;

    private static void RunPython(string loop, int start, int count)
    {
        using var gil = Py.GIL();
        using PyObject function = scope.Get(loop);
        using PyTuple arguments = PythonValues.Tuple([start, count]);
        using PyObject seconds = function.Invoke(arguments);
    }
}
