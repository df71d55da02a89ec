using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>The NumPy-only parts of python/dqnbridge_envs.py (preprocessing, ALE game names, the vector driver with
/// stand-in envs), run through the bridge (any Python with NumPy).</summary>
[TestClass]
public sealed class PreprocessingHelperTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static PyObject Helper() => Py.Import(GymnasiumRuntime.HelperModuleName);

    private static PyObject Eval(string expression)
    {
        using var globals = Scope();
        return PythonEngine.Eval(expression, globals);
    }

    /// <summary>
    /// Globals with h (the helper module), np, and fake_driver(env_list, envs, full_replay_reason): a VectorDriver of
    /// two stand-in envs (env_list, in process) or one stand-in vector env (envs), made without Gymnasium.
    /// </summary>
    private static PyObject Scope()
    {
        var scope = Py.NewDict();
        using (var helper = Helper())
        {
            scope.SetItem("h", helper);
        }
        PythonEngine.Exec(
            "import numpy as np\n" +
            "def fake_driver(env_list=None, envs=None, full_replay_reason='fakes'):\n" +
            "    driver = object.__new__(h.VectorDriver)\n" +
            "    driver.envs, driver.env_list, driver.num_envs, driver.env_id = envs, env_list, 2, 'Fake-v0'\n" +
            "    driver.full_replay_reason, driver.life_trackers = full_replay_reason, [None] * len(env_list or [])\n" +
            "    driver.steps, driver.episode_start_list = 0, None\n" +
            "    return driver\n",
            scope);
        return scope;
    }

    [TestMethod]
    public void GrayscaleUsesLumaWeightsAndResizeAveragesAreas()
    {
        using var gil = Py.GIL();
        using var gray = Eval("h.to_gray(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 10, 10]]], np.uint8))");
        using (var array = new NumpyArray(gray))
        {
            ReadOnlySpan<float> values = array.AsSpan<float>();
            Assert.AreEqual(0.299f * 255, values[0], 1e-3f);
            Assert.AreEqual(0.587f * 255, values[1], 1e-3f);
            Assert.AreEqual(0.114f * 255, values[2], 1e-3f);
            Assert.AreEqual(10f, values[3], 1e-3f);
        }
        using var resized = Eval("h.resize_area(np.arange(36, dtype=np.float32).reshape(6, 6), 3, 2)");
        using (var array = new NumpyArray(resized))
        {
            array.Expect(NumpyDtype.Float32, [3, 2]);
            // Top-left output pixel averages rows 0-1, columns 0-2: (0+1+2+6+7+8)/6 = 4.
            Assert.AreEqual(4f, array.AsSpan<float>()[0], 1e-4f);
            // Bottom-right averages rows 4-5, columns 3-5: (27+28+29+33+34+35)/6 = 31.
            Assert.AreEqual(31f, array.AsSpan<float>()[5], 1e-4f);
        }
    }

    [TestMethod]
    public void CarRacingFramesLoseTheDashboardAndBecome84By84Gray()
    {
        using var gil = Py.GIL();
        // Track area 100, dashboard (last 12 rows) 250: the dashboard must not leak into the frame.
        using var frame = Eval("h.car_racing_frame(np.concatenate([np.full((84, 96, 3), 100, np.uint8), np.full((12, 96, 3), 250, np.uint8)]))");
        using var array = new NumpyArray(frame);
        array.Expect(NumpyDtype.UInt8, [84, 84]);
        Assert.IsTrue(array.AsSpan<byte>().ToArray().All(v => v == 100), "only track pixels remain");
    }

    [TestMethod]
    public void CropKeepsRows0To83AndColumns6To89WithoutResizing()
    {
        using var gil = Py.GIL();
        // Each pixel's gray value encodes where it came from: red = row, green = column (blue 0).
        using var frame = Eval(
            "h.car_racing_frame_cropped(np.stack([np.repeat(np.arange(96)[:, None], 96, 1), np.repeat(np.arange(96)[None, :], 96, 0), np.zeros((96, 96))], -1).astype(np.uint8))");
        using var array = new NumpyArray(frame);
        array.Expect(NumpyDtype.UInt8, [84, 84]);
        ReadOnlySpan<byte> pixels = array.AsSpan<byte>();
        static byte Gray(int row, int column) => (byte)Math.Round(0.299 * row + 0.587 * column);
        Assert.AreEqual(Gray(0, 6), pixels[0]);
        Assert.AreEqual(Gray(0, 89), pixels[83]);
        Assert.AreEqual(Gray(83, 6), pixels[83 * 84]);
        Assert.AreEqual(Gray(83, 89), pixels[83 * 84 + 83]);
        Assert.AreEqual(Gray(40, 50), pixels[40 * 84 + 44]);
    }

    [TestMethod]
    [DataRow("ALE/SpaceInvaders-v5", "space_invaders")]
    [DataRow("SpaceInvadersNoFrameskip-v4", "space_invaders")]
    [DataRow("ALE/Tetris-v5", "tetris")]
    [DataRow("BreakoutNoFrameskip-v4", "breakout")]
    [DataRow("ALE/MsPacman-v5", "ms_pacman")]
    public void AleGameNamesAreTheRomNames(string envId, string rom)
    {
        using var gil = Py.GIL();
        using var name = Eval($"h.ale_game_name('{envId}')");
        Assert.AreEqual(rom, name.As<string>());
    }

    [TestMethod]
    public void LifeLossIsTerminalForTrainingButTheGameContinues()
    {
        using var gil = Py.GIL();
        using var outcome = Eval(
            "(lambda t: [t.after_reset(3), t.after_step(3, False, False), t.after_step(2, False, False), t.needs_real_reset," +
            " t.after_step(2, False, False), t.after_step(0, True, False), t.needs_real_reset][1:])(h.LifeLossTracker())");
        CollectionAssert.AreEqual(
            new object?[] { false, true, false, false, true, true },
            (List<object?>)outcome.ToManaged()!,
            "no life lost, life lost (terminal), game goes on, no loss, game over (terminal), real reset needed");
    }

    [TestMethod]
    public void InProcessVectorDriverAutoresetsInTheSameStep()
    {
        using var gil = Py.GIL();
        using var scope = Scope();
        // Stand-ins for single Gymnasium envs: env 1 ends on its first step, as RecordEpisodeStatistics reports it.
        PythonEngine.Exec(
            "class FakeEnv:\n" +
            "    def __init__(self, ends):\n" +
            "        self.ends, self.resets = ends, []\n" +
            "    def reset(self, seed=None):\n" +
            "        self.resets.append(seed)\n" +
            "        return np.full(3, 5 if seed is None else 0, np.float32), {}\n" +
            "    def step(self, action):\n" +
            "        info = {'episode': {'r': 7.0, 'l': 3}} if self.ends else {}\n" +
            "        return np.full(3, 9, np.float32), 1.5, self.ends, False, info\n" +
            "driver = fake_driver([FakeEnv(False), FakeEnv(True)])\n" +
            "buffers = driver.reset(10)\n" +
            "ended = driver.step(np.array([1, 0]))\n" +
            "values = [getattr(buffers, name).tolist() for name in ('obs', 'final_obs', 'rewards', 'terminated', 'truncated', 'episode_done', 'episode_return', 'episode_length')]\n" +
            "resets = [e.resets for e in driver.env_list]\n",
            scope);
        using var values = scope["values"];
        var parts = (List<object?>)values.ToManaged()!;
        CollectionAssert.AreEqual(new List<object?> { new List<object?> { 9.0, 9.0, 9.0 }, new List<object?> { 5.0, 5.0, 5.0 } }, (List<object?>)parts[0]!, "env 1 already shows its reset observation");
        CollectionAssert.AreEqual(new List<object?> { 9.0, 9.0, 9.0 }, (List<object?>)((List<object?>)parts[1]!)[1]!, "and its true final one");
        CollectionAssert.AreEqual(new List<object?> { false, true }, (List<object?>)parts[3]!, "terminated");
        CollectionAssert.AreEqual(new List<object?> { false, true }, (List<object?>)parts[5]!, "episode done");
        CollectionAssert.AreEqual(new List<object?> { 0.0, 7.0 }, (List<object?>)parts[6]!, "episode return");
        using (var ended = scope["ended"])
        {
            Assert.AreEqual(1L, ended.As<long>(), "step() says how many envs ended");
        }
        using var resets = scope["resets"];
        var seeds = (List<object?>)resets.ToManaged()!;
        CollectionAssert.AreEqual(new List<object?> { 10L }, (List<object?>)seeds[0]!);
        CollectionAssert.AreEqual(new List<object?> { 11L, null }, (List<object?>)seeds[1]!, "seeded once with seed + i, then continued");
    }

    [TestMethod]
    public void VectorDriverRestoresEachEnvFromTheStartOfItsCurrentEpisode()
    {
        using var gil = Py.GIL();
        using var scope = Scope();
        // Stand-ins for Gymnasium envs whose chance lives in np_random: reset draws a start, steps add the action and
        // a draw; env 0's episodes last 4 steps, env 1's 7. Restored from episode_starts and only the actions since
        // each env's current episode began, fresh envs (another seed) go on exactly as the originals.
        PythonEngine.Exec(
            "import json\n" +
            "class FakeEnv:\n" +
            "    def __init__(self, length, seed):\n" +
            "        self.length, self.np_random, self.unwrapped = length, np.random.default_rng(seed), self\n" +
            "    def reset(self, seed=None):\n" +
            "        if seed is not None: self.np_random = np.random.default_rng(seed)\n" +
            "        self.t, self.x = 0, self.np_random.random()\n" +
            "        return np.array([self.x, 0], np.float32), {}\n" +
            "    def step(self, action):\n" +
            "        self.t += 1\n" +
            "        self.x += action + self.np_random.random()\n" +
            "        done = self.t == self.length\n" +
            "        return np.array([self.x, self.t], np.float32), 1.0, done, False, {'episode': {'r': 1.0, 'l': self.t}} if done else {}\n" +
            "def make(seed):\n" +
            "    return fake_driver([FakeEnv(4, seed), FakeEnv(7, seed + 1)], full_replay_reason=None)\n" +
            "original, restored = make(1), make(99)\n" +
            "original.reset(10)\n" +
            "taken = [np.array([t % 2, (t // 2) % 2]) for t in range(23)]\n" +
            "for actions in taken: original.step(actions)\n" +
            "starts_json = original.episode_starts()\n" +
            "starts = [s['start'] for s in json.loads(starts_json)]\n" +
            "first = min(starts)\n" +
            "restored.restore_episodes(starts_json, np.array(taken[first:]), first, 23)\n" +
            "same_now = np.array_equal(original.buffers.obs, restored.buffers.obs)\n" +
            "same_later = []\n" +
            "for t in range(12):\n" +
            "    original.step(np.array([1, 0])); restored.step(np.array([1, 0]))\n" +
            "    same_later.append(np.array_equal(original.buffers.obs, restored.buffers.obs))\n" +
            "same_starts = original.episode_starts() == restored.episode_starts()\n",
            scope);
        using (var starts = scope["starts"])
        {
            // 23 steps: env 0's episodes began at steps 0, 4, ..., 20; env 1's at 0, 7, 14, 21.
            CollectionAssert.AreEqual(new List<object?> { 20L, 21L }, (List<object?>)starts.ToManaged()!, "where each env's current episode started");
        }
        using (var sameNow = scope["same_now"])
        {
            Assert.IsTrue(sameNow.As<bool>(), "the restored envs show the saved observations");
        }
        using (var sameLater = scope["same_later"])
        {
            CollectionAssert.AreEqual(Enumerable.Repeat<object?>(true, 12).ToList(), (List<object?>)sameLater.ToManaged()!, "and step on alike, episodes ending included");
        }
        using var sameStarts = scope["same_starts"];
        Assert.IsTrue(sameStarts.As<bool>(), "they record the same episode starts afterwards");
    }

    [TestMethod]
    public void BoundStepBuffersWriteStraightIntoDotNetMemory()
    {
        // The driver's results land in pinned .NET arrays through NumPy views, with no copy on the .NET side.
        float[] observations = GC.AllocateArray<float>(6, pinned: true);
        float[] finalObservations = GC.AllocateArray<float>(6, pinned: true);
        float[] rewards = GC.AllocateArray<float>(2, pinned: true);
        bool[] terminated = GC.AllocateArray<bool>(2, pinned: true);
        bool[] truncated = GC.AllocateArray<bool>(2, pinned: true);
        bool[] episodeDone = GC.AllocateArray<bool>(2, pinned: true);
        double[] episodeReturn = GC.AllocateArray<double>(2, pinned: true);
        long[] episodeLength = GC.AllocateArray<long>(2, pinned: true);
        static (long, long) Memory<T>(T[] pinned) where T : unmanaged =>
            (System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), pinned.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        using var gil = Py.GIL();
        using var scope = Scope();
        using (var memory = PyObject.FromManaged(new Dictionary<string, object?>
        {
            ["obs"] = Memory(observations),
            ["final_obs"] = Memory(finalObservations),
            ["rewards"] = Memory(rewards),
            ["terminated"] = Memory(terminated),
            ["truncated"] = Memory(truncated),
            ["episode_done"] = Memory(episodeDone),
            ["episode_return"] = Memory(episodeReturn),
            ["episode_length"] = Memory(episodeLength),
        }))
        {
            scope.SetItem("memory", memory);
        }
        PythonEngine.Exec(
            "class FakeEnv:\n" +
            "    def __init__(self, ends):\n" +
            "        self.ends = ends\n" +
            "    def reset(self, seed=None):\n" +
            "        return np.full(3, 5 if seed is None else 1, np.float32), {}\n" +
            "    def step(self, action):\n" +
            "        info = {'episode': {'r': 7.0, 'l': 3}} if self.ends else {}\n" +
            "        return np.full(3, 9, np.float32), 1.5 + action, self.ends, False, info\n" +
            "driver = fake_driver([FakeEnv(False), FakeEnv(True)])\n" +
            "driver.buffers = h.StepBuffers(2, (3,), np.float32, memory)\n" +
            "driver.reset(10)\n" +
            "ended = driver.step(np.array([1, 0]))\n",
            scope);
        CollectionAssert.AreEqual(new[] { 9f, 9f, 9f, 5f, 5f, 5f }, observations, "env 1 already shows its reset observation");
        CollectionAssert.AreEqual(new[] { 9f, 9f, 9f }, finalObservations[3..], "and its true final one");
        CollectionAssert.AreEqual(new[] { 2.5f, 1.5f }, rewards);
        CollectionAssert.AreEqual(new[] { false, true }, terminated);
        CollectionAssert.AreEqual(new[] { false, true }, episodeDone);
        Assert.AreEqual(7.0, episodeReturn[1]);
        Assert.AreEqual(3L, episodeLength[1]);
        var wrongSize = Assert.ThrowsExactly<PythonException>(() => PythonEngine.Exec("h.array_at(memory['obs'][0], 8, np.float32, (3,))", scope));
        Assert.Contains("do not hold", wrongSize.Message, "a view never reaches past the memory .NET gave");
    }

    [TestMethod]
    public void VectorDriverReportsFinalObservationsAndRealEpisodesFromSameStepInfos()
    {
        using var gil = Py.GIL();
        using var scope = Scope();
        // A stand-in for a same-step-autoreset gymnasium vector env: env 1 ends this step, as Gymnasium 1.1 reports it.
        PythonEngine.Exec(
            "class FakeVector:\n" +
            "    def reset(self, seed):\n" +
            "        self.seeds = seed\n" +
            "        return np.zeros((2, 3), np.float32), {}\n" +
            "    def step(self, actions):\n" +
            "        self.actions = actions\n" +
            "        obs = np.array([[1, 1, 1], [0, 0, 0]], np.float32)\n" +
            "        infos = {'final_obs': np.array([None, np.array([9, 9, 9], np.float32)], object), '_final_obs': np.array([False, True]),\n" +
            "                 'final_info': {'episode': {'r': np.array([0.0, 21.0]), 'l': np.array([0, 812])}, '_episode': np.array([False, True])}}\n" +
            "        return obs, np.array([0.5, -1.0]), np.array([False, True]), np.array([False, False]), infos\n" +
            "driver = fake_driver(envs=FakeVector())\n" +
            "buffers = driver.reset(10)\n" +
            "ended = driver.step(np.array([1, 0]))\n",
            scope);
        using var seeds = PythonEngine.Eval("driver.envs.seeds", scope);
        CollectionAssert.AreEqual(new List<object?> { 10L, 11L }, (List<object?>)seeds.ToManaged()!, "env i is reset with seed + i");
        using var buffers = scope["buffers"];
        using (var ended = scope["ended"])
        {
            Assert.AreEqual(1L, ended.As<long>());
        }
        using (var field = buffers.GetAttr("final_obs"))
        using (var final = new NumpyArray(field))
        {
            CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 9f, 9f, 9f }, final.AsSpan<float>().ToArray());
        }
        using (var field = buffers.GetAttr("rewards"))
        using (var rewards = new NumpyArray(field))
        {
            rewards.Expect(NumpyDtype.Float32, [2]);
        }
        using (var field = buffers.GetAttr("episode_done"))
        using (var episodeDone = new NumpyArray(field))
        {
            CollectionAssert.AreEqual(new[] { false, true }, episodeDone.AsSpan<bool>().ToArray());
        }
        using (var field = buffers.GetAttr("episode_return"))
        using (var returns = new NumpyArray(field))
        {
            Assert.AreEqual(21.0, returns.AsSpan<double>()[1]);
        }
        using var lengthField = buffers.GetAttr("episode_length");
        using var lengths = new NumpyArray(lengthField);
        Assert.AreEqual(812L, lengths.AsSpan<long>()[1]);
    }

    [TestMethod]
    public void SpawnedWorkersStartTheRealInterpreterAndImportTheHelper()
    {
        // What AsyncVectorEnv does: spawn a worker that unpickles a callable from our module.
        using var gil = Py.GIL();
        using var pooled = Eval(
            "(lambda pool: (pool.apply(h.to_uint8, (np.array([2.6, 300.0]),)).tolist(), pool.close()))" +
            "(__import__('multiprocessing').get_context('spawn').Pool(1))[0]");
        CollectionAssert.AreEqual(new List<object?> { 3L, 255L }, (List<object?>)pooled.ToManaged()!);
    }
}
