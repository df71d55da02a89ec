using System.Text.Json;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>The NumPy-only parts of python/dqnbridge (preprocessing, buffers, ALE game names, the vector driver with
/// stand-in envs), run through the bridge (any Python with NumPy).</summary>
[TestClass]
public sealed class PreprocessingHelperTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static PyObject Eval(string expression)
    {
        using PyModule scope = Scope();
        return scope.Eval(expression);
    }

    /// <summary>Plain data a scope holds, as JSON.</summary>
    private static JsonElement Json(PyModule scope, string expression)
    {
        using PyObject value = scope.Eval(expression);
        return PythonValues.ToJson(value);
    }

    /// <summary>
    /// Globals with the package's modules (preprocessing, wrappers, buffers, drivers), np, and fake_driver(env_list, envs, full_replay_reason): a VectorDriver of
    /// two stand-in envs (env_list, in process) or one stand-in vector env (envs), made without Gymnasium.
    /// </summary>
    private static PyModule Scope()
    {
        PyModule scope = Py.CreateScope();
        scope.Exec(
            "import numpy as np\n" +
            "from dqnbridge import buffers, drivers, preprocessing, wrappers\n" +
            "def fake_driver(env_list=None, envs=None, full_replay_reason='fakes'):\n" +
            "    driver = object.__new__(drivers.VectorDriver)\n" +
            "    driver.envs, driver.env_list, driver.num_envs, driver.env_id = envs, env_list, 2, 'Fake-v0'\n" +
            "    driver.full_replay_reason, driver.life_trackers = full_replay_reason, [None] * len(env_list or [])\n" +
            "    driver.steps, driver.episode_start_list = 0, None\n" +
            "    return driver\n");
        return scope;
    }

    [TestMethod]
    public void GrayscaleUsesLumaWeightsAndResizeAveragesAreas()
    {
        using var gil = Py.GIL();
        using PyObject gray = Eval("preprocessing.to_gray(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 10, 10]]], np.uint8))");
        using (var array = new NumpyArray(gray))
        {
            ReadOnlySpan<float> values = array.AsSpan<float>();
            Assert.AreEqual(0.299f * 255, values[0], 1e-3f);
            Assert.AreEqual(0.587f * 255, values[1], 1e-3f);
            Assert.AreEqual(0.114f * 255, values[2], 1e-3f);
            Assert.AreEqual(10f, values[3], 1e-3f);
        }
        using PyObject resized = Eval("preprocessing.resize_area(np.arange(36, dtype=np.float32).reshape(6, 6), 3, 2)");
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
        using PyObject frame = Eval("preprocessing.car_racing_frame(np.concatenate([np.full((84, 96, 3), 100, np.uint8), np.full((12, 96, 3), 250, np.uint8)]))");
        using var array = new NumpyArray(frame);
        array.Expect(NumpyDtype.UInt8, [84, 84]);
        Assert.IsTrue(array.AsSpan<byte>().ToArray().All(v => v == 100), "only track pixels remain");
    }

    [TestMethod]
    public void CropKeepsRows0To83AndColumns6To89WithoutResizing()
    {
        using var gil = Py.GIL();
        // Each pixel's gray value encodes where it came from: red = row, green = column (blue 0).
        using PyObject frame = Eval(
            "preprocessing.car_racing_frame_cropped(np.stack([np.repeat(np.arange(96)[:, None], 96, 1), np.repeat(np.arange(96)[None, :], 96, 0), np.zeros((96, 96))], -1).astype(np.uint8))");
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
        using PyObject name = Eval($"drivers.ale_game_name('{envId}')");
        Assert.AreEqual(rom, name.As<string>());
    }

    [TestMethod]
    public void LifeLossIsTerminalForTrainingButTheGameContinues()
    {
        using var gil = Py.GIL();
        using PyObject outcome = Eval(
            "(lambda t: [t.after_reset(3), t.after_step(3, False, False), t.after_step(2, False, False), t.needs_real_reset," +
            " t.after_step(2, False, False), t.after_step(0, True, False), t.needs_real_reset][1:])(wrappers.LifeLossTracker())");
        CollectionAssert.AreEqual(
            new[] { false, true, false, false, true, true },
            PythonValues.ToJson(outcome).EnumerateArray().Select(b => b.GetBoolean()).ToArray(),
            "no life lost, life lost (terminal), game goes on, no loss, game over (terminal), real reset needed");
    }

    [TestMethod]
    public void InProcessVectorDriverAutoresetsInTheSameStep()
    {
        using var gil = Py.GIL();
        using PyModule scope = Scope();
        // Stand-ins for single Gymnasium envs: env 1 ends on its first step, as RecordEpisodeStatistics reports it.
        scope.Exec(
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
            "resets = [e.resets for e in driver.env_list]\n");
        JsonElement parts = Json(scope, "values");
        Assert.AreEqual("[[9.0, 9.0, 9.0], [5.0, 5.0, 5.0]]", parts[0].GetRawText(), "env 1 already shows its reset observation");
        Assert.AreEqual("[9.0, 9.0, 9.0]", parts[1][1].GetRawText(), "and its true final one");
        Assert.AreEqual("[false, true]", parts[3].GetRawText(), "terminated");
        Assert.AreEqual("[false, true]", parts[5].GetRawText(), "episode done");
        Assert.AreEqual("[0.0, 7.0]", parts[6].GetRawText(), "episode return");
        Assert.AreEqual(1, Json(scope, "ended").GetInt32(), "step() says how many envs ended");
        JsonElement seeds = Json(scope, "resets");
        Assert.AreEqual("[10]", seeds[0].GetRawText());
        Assert.AreEqual("[11, null]", seeds[1].GetRawText(), "seeded once with seed + i, then continued");
    }

    [TestMethod]
    public void VectorDriverRestoresEachEnvFromTheStartOfItsCurrentEpisode()
    {
        using var gil = Py.GIL();
        using PyModule scope = Scope();
        // Stand-ins for Gymnasium envs whose chance lives in np_random: reset draws a start, steps add the action and
        // a draw; env 0's episodes last 4 steps, env 1's 7. Restored from episode_starts and only the actions since
        // each env's current episode began, fresh envs (another seed) go on exactly as the originals.
        scope.Exec(
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
            "same_starts = original.episode_starts() == restored.episode_starts()\n");
        // 23 steps: env 0's episodes began at steps 0, 4, ..., 20; env 1's at 0, 7, 14, 21.
        Assert.AreEqual("[20, 21]", Json(scope, "starts").GetRawText(), "where each env's current episode started");
        Assert.IsTrue(Json(scope, "bool(same_now)").GetBoolean(), "the restored envs show the saved observations");
        CollectionAssert.AreEqual(Enumerable.Repeat(true, 12).ToArray(), Json(scope, "[bool(s) for s in same_later]").EnumerateArray().Select(b => b.GetBoolean()).ToArray(),
            "and step on alike, episodes ending included");
        Assert.IsTrue(Json(scope, "same_starts").GetBoolean(), "they record the same episode starts afterwards");
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
        using PyModule scope = Scope();
        using (PyObject memory = PythonValues.ToPython(new Dictionary<string, object?>
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
            scope.Set("memory", memory);
        }
        scope.Exec(
            "class FakeEnv:\n" +
            "    def __init__(self, ends):\n" +
            "        self.ends = ends\n" +
            "    def reset(self, seed=None):\n" +
            "        return np.full(3, 5 if seed is None else 1, np.float32), {}\n" +
            "    def step(self, action):\n" +
            "        info = {'episode': {'r': 7.0, 'l': 3}} if self.ends else {}\n" +
            "        return np.full(3, 9, np.float32), 1.5 + action, self.ends, False, info\n" +
            "driver = fake_driver([FakeEnv(False), FakeEnv(True)])\n" +
            "driver.buffers = buffers.StepBuffers(2, (3,), np.float32, memory)\n" +
            "driver.reset(10)\n" +
            "ended = driver.step(np.array([1, 0]))\n");
        CollectionAssert.AreEqual(new[] { 9f, 9f, 9f, 5f, 5f, 5f }, observations, "env 1 already shows its reset observation");
        CollectionAssert.AreEqual(new[] { 9f, 9f, 9f }, finalObservations[3..], "and its true final one");
        CollectionAssert.AreEqual(new[] { 2.5f, 1.5f }, rewards);
        CollectionAssert.AreEqual(new[] { false, true }, terminated);
        CollectionAssert.AreEqual(new[] { false, true }, episodeDone);
        Assert.AreEqual(7.0, episodeReturn[1]);
        Assert.AreEqual(3L, episodeLength[1]);
        var wrongSize = PythonError.From(Assert.ThrowsExactly<PythonException>(() => scope.Exec("buffers.array_at(memory['obs'][0], 8, np.float32, (3,))")));
        Assert.Contains("do not hold", wrongSize.PythonMessage, "a view never reaches past the memory .NET gave");
    }

    [TestMethod]
    public void VectorDriverReportsFinalObservationsAndRealEpisodesFromSameStepInfos()
    {
        using var gil = Py.GIL();
        using PyModule scope = Scope();
        // A stand-in for a same-step-autoreset gymnasium vector env: env 1 ends this step, as Gymnasium 1.1 reports it.
        scope.Exec(
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
            "ended = driver.step(np.array([1, 0]))\n");
        Assert.AreEqual("[10, 11]", Json(scope, "driver.envs.seeds").GetRawText(), "env i is reset with seed + i");
        using PyObject buffers = scope.Get("buffers");
        Assert.AreEqual(1, Json(scope, "ended").GetInt32());
        using (PyObject field = buffers.GetAttr("final_obs"))
        using (var final = new NumpyArray(field))
        {
            CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 9f, 9f, 9f }, final.AsSpan<float>().ToArray());
        }
        using (PyObject field = buffers.GetAttr("rewards"))
        using (var rewards = new NumpyArray(field))
        {
            rewards.Expect(NumpyDtype.Float32, [2]);
        }
        using (PyObject field = buffers.GetAttr("episode_done"))
        using (var episodeDone = new NumpyArray(field))
        {
            CollectionAssert.AreEqual(new[] { false, true }, episodeDone.AsSpan<bool>().ToArray());
        }
        using (PyObject field = buffers.GetAttr("episode_return"))
        using (var returns = new NumpyArray(field))
        {
            Assert.AreEqual(21.0, returns.AsSpan<double>()[1]);
        }
        using PyObject lengthField = buffers.GetAttr("episode_length");
        using var lengths = new NumpyArray(lengthField);
        Assert.AreEqual(812L, lengths.AsSpan<long>()[1]);
    }

    [TestMethod]
    public void SpawnedWorkersStartTheRealInterpreterAndImportTheHelper()
    {
        // What AsyncVectorEnv does: spawn a worker that unpickles a callable from our module.
        using var gil = Py.GIL();
        using PyObject pooled = Eval(
            "(lambda pool: (pool.apply(preprocessing.to_uint8, (np.array([2.6, 300.0]),)).tolist(), pool.close()))" +
            "(__import__('multiprocessing').get_context('spawn').Pool(1))[0]");
        Assert.AreEqual("[3, 255]", PythonValues.ToJson(pooled).GetRawText());
    }
}
