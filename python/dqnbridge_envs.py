"""DqnBridge's Python side: preprocessing Gymnasium lacks, and a vector driver that steps
N environments and hands back everything .NET needs in one call per step.

The array helpers need only NumPy; Gymnasium is imported when environments are made.
"""
import functools

import dqnbridge_host  # noqa: F401  (first: quiet SDL/pygame defaults before anything imports pygame)
import numpy as np

# ---------------------------------------------------------------- pure NumPy helpers


def to_gray(rgb):
    """ITU-R 601 luma of an HxWx3 uint8 frame, as float32 (the weights OpenCV uses)."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def resize_area(image, height, width):
    """Area-average resize of a 2-D image to height x width, for any integer or fractional ratio."""
    image = np.asarray(image, dtype=np.float32)
    rows = _area_weights(image.shape[0], height)
    cols = _area_weights(image.shape[1], width)
    return rows @ image @ cols.T


def _area_weights(source, target):
    """target x source matrix: how much of each source pixel falls in each target pixel, rows summing to 1."""
    edges = np.linspace(0.0, source, target + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def to_uint8(image):
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def car_racing_frame(rgb, size=84):
    """CarRacing 96x96x3 -> size x size gray uint8: drop the dashboard (bottom 12 rows), then resize."""
    return to_uint8(resize_area(to_gray(rgb[:84]), size, size))


def car_racing_frame_cropped(rgb):
    """CarRacing 96x96x3 -> 84x84 gray uint8 as the CarRacing DQN notebook: img[:84, 6:90], no resize.

    The notebook scales gray to [0, 1] floats; we keep gray rounded to uint8 and the network scales by 1/255.
    """
    return to_uint8(to_gray(rgb[:84, 6:90]))


class LifeLossTracker:
    """Turns a lost life into a training-time terminal without resetting the game (as SB3's EpisodicLifeEnv).

    `after_step` says whether the step should look terminal; `needs_real_reset` says whether the next
    reset must really reset the game (the game ended) or only continue it with a no-op step.
    """

    def __init__(self):
        self.lives = 0
        self.needs_real_reset = True

    def after_reset(self, lives):
        self.lives = lives
        self.needs_real_reset = False

    def after_step(self, lives, terminated, truncated):
        self.needs_real_reset = terminated or truncated
        lost_life = 0 < lives < self.lives
        self.lives = lives
        return terminated or lost_life


# ---------------------------------------------------------------- Gymnasium environments


def gymnasium_available():
    try:
        import gymnasium  # noqa: F401
    except ImportError:
        return False
    return True


def _import_gymnasium(env_id):
    import gymnasium
    if env_id.startswith("ALE/"):
        import ale_py
        gymnasium.register_envs(ale_py)
    return gymnasium


def _episodic_life_wrapper(gymnasium):
    class EpisodicLife(gymnasium.Wrapper):
        """A lost life ends the training episode; the game itself continues until it is really over."""

        def __init__(self, env):
            super().__init__(env)
            self.tracker = LifeLossTracker()

        def _lives(self):
            return self.env.unwrapped.ale.lives()

        def reset(self, **kwargs):
            if self.tracker.needs_real_reset:
                obs, info = self.env.reset(**kwargs)
            else:
                obs, _, terminated, truncated, info = self.env.step(0)
                if terminated or truncated:
                    obs, info = self.env.reset(**kwargs)
            self.tracker.after_reset(self._lives())
            return obs, info

        def step(self, action):
            obs, reward, terminated, truncated, info = self.env.step(action)
            terminated = self.tracker.after_step(self._lives(), terminated, truncated)
            return obs, reward, terminated, truncated, info

    return EpisodicLife


def _car_racing_wrapper(gymnasium):
    class CarRacingPreprocessing(gymnasium.Wrapper):
        """50 no-ops at reset, action repeat with summed rewards, 84x84 gray frames."""

        def __init__(self, env, frame_skip=4, noops=50, crop=False):
            super().__init__(env)
            self.frame_skip, self.noops = frame_skip, noops
            self.frame = car_racing_frame_cropped if crop else car_racing_frame
            self.observation_space = gymnasium.spaces.Box(0, 255, (84, 84), np.uint8)

        def reset(self, **kwargs):
            obs, info = self.env.reset(**kwargs)
            for _ in range(self.noops):
                obs, _, terminated, truncated, info = self.env.step(0)
                if terminated or truncated:
                    obs, info = self.env.reset()
            return self.frame(obs), info

        def step(self, action):
            total = 0.0
            for _ in range(self.frame_skip):
                obs, reward, terminated, truncated, info = self.env.step(action)
                total += reward
                if terminated or truncated:
                    break
            return self.frame(obs), total, terminated, truncated, info

    return CarRacingPreprocessing


def make_env(env_id, kwargs=None, wrappers="none", frame_skip=4, frame_stack=4, render_mode=None, training=True,
             frame_stack_padding="reset", record_episode_starts=False):
    """One Gymnasium env with episode statistics recorded on the raw game, then our preprocessing; with
    record_episode_starts, outermost, an EpisodeStartRecorder (for envs stepped in another process)."""
    gymnasium = _import_gymnasium(env_id)
    kwargs = dict(kwargs or {})
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    if wrappers == "atari":
        kwargs.setdefault("frameskip", 1)  # AtariPreprocessing skips frames itself, with max-pooling
    env = gymnasium.make(env_id, **kwargs)
    env = gymnasium.wrappers.RecordEpisodeStatistics(env)
    if wrappers == "atari":
        env = gymnasium.wrappers.AtariPreprocessing(
            env, noop_max=30, frame_skip=frame_skip, screen_size=84, terminal_on_life_loss=False, grayscale_obs=True)
        if training:
            env = _episodic_life_wrapper(gymnasium)(env)
            env = gymnasium.wrappers.TransformReward(env, lambda r: float(np.sign(r)))
        env = gymnasium.wrappers.FrameStackObservation(env, frame_stack, padding_type=frame_stack_padding)
    elif wrappers in ("carracing", "carracing_crop"):
        env = _car_racing_wrapper(gymnasium)(env, frame_skip=frame_skip, crop=wrappers == "carracing_crop")
        env = gymnasium.wrappers.FrameStackObservation(env, frame_stack, padding_type=frame_stack_padding)
    if record_episode_starts:
        env = _episode_start_recorder(gymnasium)(env)
    return env


def describe_space(space):
    """A plain description .NET turns into its Space records."""
    name = type(space).__name__
    if name == "Discrete":
        return {"kind": "discrete", "n": int(space.n), "start": int(space.start), "repr": repr(space)}
    if name == "Box":
        return {"kind": "box", "shape": [int(d) for d in space.shape], "dtype": str(space.dtype),
                "low": np.broadcast_to(space.low, space.shape).astype(np.float64).ravel().tolist(),
                "high": np.broadcast_to(space.high, space.shape).astype(np.float64).ravel().tolist(),
                "repr": repr(space)}
    return {"kind": "other", "repr": repr(space)}


def array_at(address, nbytes, dtype, shape):
    """A NumPy view of nbytes of memory that .NET owns (a pinned array) at address: no copy, no ownership.
    .NET keeps the memory alive and unmoved for as long as it keeps the driver that holds the view."""
    import ctypes
    dtype = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != nbytes:
        raise ValueError(f"{nbytes} bytes at {address:#x} do not hold {dtype} {shape}")
    raw = (ctypes.c_char * nbytes).from_address(address)
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


class StepBuffers:
    """What a vector step hands to .NET, by name: arrays with a leading axis of N, overwritten in place by
    every step. Either views of memory .NET owns (bound with VectorDriver.bind, so .NET reads the results
    without a copy or a call) or arrays of our own (when nothing was bound, e.g. in tests).

    obs: the observations to act on (after same-step autoreset, the next episode's first one);
    final_obs: for envs that ended this step, their true last observation (other rows are stale);
    rewards, terminated, truncated: this step's; episode_done, episode_return, episode_length: episodes
    that really ended this step (a game over, not a lost life) with their unclipped returns.
    """

    FIELDS = ("obs", "final_obs", "rewards", "terminated", "truncated", "episode_done", "episode_return", "episode_length")
    __slots__ = FIELDS + ("obs_rows", "final_obs_rows")

    def __init__(self, num_envs, obs_shape, obs_dtype, memory=None):
        """memory: None, or {field: (address, nbytes)} for every field, as .NET's pinned arrays."""
        layout = {
            "obs": (obs_dtype, (num_envs,) + tuple(obs_shape)),
            "final_obs": (obs_dtype, (num_envs,) + tuple(obs_shape)),
            "rewards": (np.float32, (num_envs,)),
            "terminated": (np.bool_, (num_envs,)),
            "truncated": (np.bool_, (num_envs,)),
            "episode_done": (np.bool_, (num_envs,)),
            "episode_return": (np.float64, (num_envs,)),
            "episode_length": (np.int64, (num_envs,)),
        }
        for name, (dtype, shape) in layout.items():
            if memory is None:
                setattr(self, name, np.zeros(shape, dtype=dtype))
            else:
                address, nbytes = memory[name]
                setattr(self, name, array_at(address, nbytes, dtype, shape))
        # One view per env: writing a row through its own view is cheaper than indexing the array each step.
        self.obs_rows = list(self.obs)
        self.final_obs_rows = list(self.final_obs)


class _VectorDriverBase:
    """What VectorDriver and AleVectorDriver share: self.envs (a Gymnasium-style vector env), the spaces, the
    StepBuffers, replay and close. Subclasses define reset(seed) and step(actions)."""

    def _describe(self, num_envs, max_episode_steps):
        self.num_envs = num_envs
        self.observation_space = describe_space(self.envs.single_observation_space)
        self.action_space = describe_space(self.envs.single_action_space)
        self.max_episode_steps = max_episode_steps
        self.buffers = None

    def bind(self, memory):
        """Makes the StepBuffers views of .NET's memory ({field: (address, nbytes)}); call before reset."""
        space = self.envs.single_observation_space
        self.buffers = StepBuffers(self.num_envs, space.shape, space.dtype, memory)

    def _start_episodes(self, obs):
        """After a reset: the first observations into the StepBuffers (made now when none were bound), this step's
        results cleared. Returns the StepBuffers."""
        if getattr(self, "buffers", None) is None:
            self.buffers = StepBuffers(self.num_envs, obs.shape[1:], obs.dtype)
        b = self.buffers
        b.obs[...] = obs
        b.rewards[:] = 0
        b.terminated[:] = False
        b.truncated[:] = False
        b.episode_done[:] = False
        return b

    def replay(self, seed, actions, action_start=0):
        """Puts the environments back where reset(seed) and then one step per row of actions (T x N, each
        action minus action_start) left them: exact for environments whose dynamics depend only on their
        seed and the actions taken, whatever wrappers are stacked. Returns the StepBuffers, as reset does."""
        self.reset(seed)
        for row in np.asarray(actions, dtype=np.int64) + action_start:
            self.step(row)
        self.buffers.episode_done[:] = False
        return self.buffers

    def close(self):
        self.envs.close()


# ---------------------------------------------------------------- restoring one episode per environment

# Environments whose every draw of chance between two resets comes from env.unwrapped.np_random, plus, for ALE,
# the emulator (its RAM, CPU, cartridge, and both of ALE's RNGs: cloneState(include_rng=True) carries them all).
# For these, an episode is fully determined by that state just before the reset that starts it and by the
# actions since. Checked by experiment for CartPole, LunarLander (with and without wind), CarRacing and Tetris.
_EPISODE_RESTORABLE_MODULES = ("gymnasium.envs.classic_control.", "gymnasium.envs.box2d.", "ale_py.env")


def episode_restore_unsupported(env):
    """None when env (as make_env made it) can be restored from the start of its current episode, else why not."""
    base = env.unwrapped
    module = type(base).__module__
    if any(module == prefix.rstrip(".") or module.startswith(prefix) for prefix in _EPISODE_RESTORABLE_MODULES):
        return None
    return f"{type(base).__name__} ({module}) is not known to keep all its randomness in np_random"


def _life_tracker(env):
    """The LifeLossTracker of env's EpisodicLife wrapper, or None: a reset after a lost life continues the game."""
    while env is not None:
        tracker = getattr(env, "tracker", None)
        if isinstance(tracker, LifeLossTracker):
            return tracker
        env = getattr(env, "env", None)
    return None


def _episode_snapshot(env):
    """What determines the next reset(seed=None) and the episode it starts: np_random, and ALE's emulator."""
    base = env.unwrapped
    snapshot = {"np_random": base.np_random.bit_generator.state}
    ale = getattr(base, "ale", None)
    if ale is not None:
        snapshot["ale"] = ale.cloneState(include_rng=True)
    return snapshot


def _start_episode(env, snapshot):
    """Resets env as the recorded episode start did: with its seed, or after putting back its snapshot."""
    if "seed" in snapshot:
        return env.reset(seed=snapshot["seed"])[0]
    base = env.unwrapped
    base.np_random.bit_generator.state = snapshot["np_random"]
    if "ale" in snapshot:
        base.ale.restoreState(snapshot["ale"])
    return env.reset()[0]


def _encode_episode_start(step, snapshot):
    import base64
    encoded = {"start": step}
    for key, value in snapshot.items():
        # ALEState pickles as (its serialized bytes,).
        encoded[key] = base64.b64encode(value.__getstate__()[0]).decode("ascii") if key == "ale" else value
    return encoded


def _decode_episode_start(encoded):
    import base64
    snapshot = {key: value for key, value in encoded.items() if key != "start"}
    if "ale" in snapshot:
        import ale_py
        snapshot["ale"] = ale_py.ALEState(base64.b64decode(snapshot["ale"]))
    return int(encoded["start"]), snapshot


def _replay_episode(env, snapshot, actions):
    """Starts env's game as snapshot says, then steps it through actions (plain ints), resetting after each ending as
    the vector drivers do (only lost lives can end in a game's own actions); returns the last observation."""
    obs = _start_episode(env, snapshot)
    for action in actions:
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            obs, _ = env.reset()
    return obs


def _episode_start_recorder(gymnasium):
    class EpisodeStartRecorder(gymnasium.Wrapper):
        """Records, inside the env's own process, what VectorDriver records for in-process envs: the step its current
        game started at and what determined that start. AsyncVectorEnv reaches it with call and set_attr."""

        def __init__(self, env):
            super().__init__(env)
            self.tracker = _life_tracker(env)
            self.steps = 0
            self.start = None
            self.pending_restore = None

        def reset(self, *, seed=None, options=None):
            if seed is not None:
                self.steps, self.start = 0, (0, {"seed": seed})
            elif self.tracker is None or self.tracker.needs_real_reset:
                self.start = (self.steps, _episode_snapshot(self.env))
            return self.env.reset(seed=seed, options=options)

        def step(self, action):
            self.steps += 1
            return self.env.step(action)

        def restore_unsupported(self):
            return episode_restore_unsupported(self.env)

        def episode_start(self):
            """This env's entry of VectorDriver.episode_starts."""
            return _encode_episode_start(*self.start)

        def restore_pending(self):
            """Restores pending_restore = (episode_start, the actions since, steps taken); returns the observation."""
            start, actions, steps = self.pending_restore
            self.pending_restore = None
            self.start = _decode_episode_start(start)
            obs = _replay_episode(self.env, self.start[1], actions)
            self.steps = steps
            return obs

    return EpisodeStartRecorder


def make_env_in_worker(*args, env_modules=(), **kwargs):
    """make_env in an AsyncVectorEnv worker process, which first leaves Ctrl+C and SIGTERM to the parent (a terminal,
    systemd or Slurm signals the whole process group, and the parent stops after its step, writes a checkpoint and
    closes the workers itself), then imports env_modules, whose envs the parent registered in its own process only."""
    import importlib
    import multiprocessing
    import signal
    # AsyncVectorEnv also calls the first factory in the parent (for the spaces); that process keeps its handlers.
    if multiprocessing.parent_process() is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for module in env_modules:
        importlib.import_module(module)
    return make_env(*args, **kwargs)


class VectorDriver(_VectorDriverBase):
    """N environments behind one call per step, with gymnasium.make_vec-style same-step autoreset.

    reset(seed) returns the StepBuffers; step(actions) refills them and returns how many envs ended
    this step (0 means final_obs and the episode fields hold nothing new).
    """

    def __init__(self, env_id, num_envs, kwargs=None, wrappers="none", frame_skip=4, frame_stack=4,
                 render_mode=None, training=True, vectorization_mode="sync", frame_stack_padding="reset", env_modules=()):
        _import_gymnasium(env_id)
        from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv
        self.env_id = env_id
        asynchronous = vectorization_mode == "async"
        # partial rather than lambda: async workers are spawned, so the env factories must pickle.
        factory = functools.partial(make_env_in_worker, env_modules=tuple(env_modules)) if asynchronous else make_env
        thunks = [functools.partial(factory, env_id, kwargs, wrappers, frame_skip, frame_stack, render_mode, training,
                                    frame_stack_padding, record_episode_starts=asynchronous)
                  for _ in range(num_envs)]
        if asynchronous:
            # spawn, not fork: forking the .NET host process that embeds us is unsafe.
            self.envs = AsyncVectorEnv(thunks, context="spawn", autoreset_mode=AutoresetMode.SAME_STEP)
            self.env_list = None
        else:
            # In-process: our own loop over the environments, with the same same-step autoreset as
            # SyncVectorEnv(autoreset_mode=SAME_STEP) but without its per-step stacking and info merging.
            self.envs = SyncVectorEnv(thunks[:1], autoreset_mode=AutoresetMode.SAME_STEP)
            self.env_list = [self.envs.envs[0]] + [thunk() for thunk in thunks[1:]]
        self._describe(num_envs, getattr(self.envs.spec, "max_episode_steps", None))
        # Exact restore from the start of each env's current episode (see episode_starts), or why only a replay
        # of every step since reset(seed) can restore these environments.
        if self.env_list is None:
            self.full_replay_reason = self.envs.call("restore_unsupported")[0]
        else:
            self.full_replay_reason = episode_restore_unsupported(self.env_list[0])
        self.life_trackers = [_life_tracker(env) for env in self.env_list or []]
        self.steps = 0
        self.episode_start_list = None

    def reset(self, seed):
        """Resets env i with seed + i; returns the StepBuffers, whose obs now hold the first observations."""
        if self.env_list is None:
            obs, _ = self.envs.reset(seed=[seed + i for i in range(self.num_envs)])
        else:
            obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(self.env_list)])
        self.steps = 0
        if self.full_replay_reason is None and self.env_list is not None:
            self.episode_start_list = [(0, {"seed": seed + i}) for i in range(self.num_envs)]
        return self._start_episodes(obs)

    def step(self, actions):
        """One step of every environment (actions: int64[N]); returns how many envs ended."""
        self.steps += 1
        if self.env_list is None:
            try:
                return self._step_gymnasium_vector(actions)
            except BaseException:
                self.steps -= 1
                raise
        starts_before = self.episode_start_list
        try:
            return self._step_env_list(actions)
        except BaseException:
            # An env raised part way: the episode starts and the step count describe the previous step again, so a
            # checkpoint written now restores the state before this step (the envs themselves are not used again).
            self.steps -= 1
            self.episode_start_list = starts_before
            raise

    def _step_env_list(self, actions):
        b = self.buffers
        rewards, terminated_flags, truncated_flags = b.rewards, b.terminated, b.truncated
        ended = 0
        starts_copied = False
        # Plain ints: Discrete.contains checks them faster than NumPy scalars, with the same result.
        for i, (env, action, row) in enumerate(zip(self.env_list, actions.tolist(), b.obs_rows)):
            obs, reward, terminated, truncated, info = env.step(action)
            rewards[i] = reward
            terminated_flags[i] = terminated
            truncated_flags[i] = truncated
            if terminated or truncated:
                if ended == 0:
                    b.episode_done[:] = False
                ended += 1
                b.final_obs_rows[i][...] = obs
                episode = info.get("episode")
                if episode is not None:
                    b.episode_done[i] = True
                    b.episode_return[i] = episode["r"]
                    b.episode_length[i] = episode["l"]
                if self.episode_start_list is not None:
                    tracker = self.life_trackers[i]
                    if tracker is None or tracker.needs_real_reset:
                        # A new game starts with the next step: what determines it, before the reset draws from it.
                        if not starts_copied:  # step keeps the old list until this returns
                            self.episode_start_list, starts_copied = list(self.episode_start_list), True
                        self.episode_start_list[i] = (self.steps, _episode_snapshot(env))
                obs, _ = env.reset()
            row[...] = obs
        return ended

    def _step_gymnasium_vector(self, actions):
        b = self.buffers
        obs, rewards, terminated, truncated, infos = self.envs.step(actions)
        done = np.logical_or(terminated, truncated)
        if done.any() and "final_obs" in infos:
            for i in np.flatnonzero(infos.get("_final_obs", done)):
                b.final_obs[i] = infos["final_obs"][i]
        b.episode_done[:] = False
        # Same-step autoreset moves the ending step's info (with RecordEpisodeStatistics' "episode") to final_info.
        for source in (infos.get("final_info", {}), infos):
            if "episode" in source:
                mask = np.asarray(source.get("_episode", done), dtype=bool) & ~b.episode_done
                b.episode_done |= mask
                b.episode_return[mask] = np.asarray(source["episode"]["r"], dtype=np.float64)[mask]
                b.episode_length[mask] = np.asarray(source["episode"]["l"], dtype=np.int64)[mask]
        b.obs[:] = obs
        b.rewards[:] = rewards
        b.terminated[:] = terminated
        b.truncated[:] = truncated
        return int(done.sum())

    def episode_starts(self):
        """JSON: for each env, the step its current game started at (its first action's index since reset(seed))
        and what determined that start (the seed, or np_random's state and ALE's emulator state before the reset).
        A lost life under the Atari wrappers continues the game, so it starts nothing."""
        import json
        if self.full_replay_reason is not None:
            raise RuntimeError(f"{self.env_id} cannot be restored episode by episode: {self.full_replay_reason}")
        if self.env_list is None:
            return json.dumps(list(self.envs.call("episode_start")))
        return json.dumps([_encode_episode_start(step, snapshot) for step, snapshot in self.episode_start_list])

    def restore_episodes(self, starts_json, actions, first_step, steps, action_start=0):
        """Puts every env back as episode_starts (starts_json) and the actions since say, without replaying earlier
        episodes: env i starts its game again as recorded, then steps through column i of actions (rows are steps
        first_step, first_step + 1, ...; each action minus action_start) from its own start, resetting after each
        lost life as step does. Afterwards the driver counts `steps` steps. Returns the StepBuffers."""
        import json
        encoded_starts = json.loads(starts_json)
        if len(encoded_starts) != self.num_envs:
            raise ValueError(f"{len(encoded_starts)} episode starts for {self.num_envs} environments")
        actions = np.asarray(actions, dtype=np.int64) + action_start
        own_actions = []
        for i, encoded in enumerate(encoded_starts):
            start = int(encoded["start"])
            if not first_step <= start <= steps:
                raise ValueError(f"env {i}'s episode starts at step {start}, outside the saved steps {first_step} to {steps}")
            own_actions.append(actions[start - first_step:, i].tolist())
        if self.env_list is None:
            # Each subprocess restores its own env.
            self.envs.set_attr("pending_restore", [(encoded, own, steps) for encoded, own in zip(encoded_starts, own_actions)])
            current_obs = self.envs.call("restore_pending")
        else:
            starts = [_decode_episode_start(encoded) for encoded in encoded_starts]
            current_obs = [_replay_episode(env, snapshot, own) for env, (_, snapshot), own in zip(self.env_list, starts, own_actions)]
            self.episode_start_list = starts
        buffers = self._start_episodes(np.stack(current_obs))
        self.steps = steps
        return buffers

    def render(self, index=0):
        if self.env_list is not None:
            return np.ascontiguousarray(self.env_list[index].render(), dtype=np.uint8)
        return np.ascontiguousarray(self.envs.call("render")[index], dtype=np.uint8)

    def close(self):
        for env in (self.env_list or [])[1:]:
            env.close()
        self.envs.close()


class SingleDriver:
    """One environment without autoreset (the IEnv contract). .NET binds memory of its own once (bind); then
    reset_into(seed) and step_into(actions) write the observation and the step's results there, so a step is one
    call that hands back no objects."""

    def __init__(self, env_id, kwargs=None, wrappers="none", frame_skip=4, frame_stack=4, render_mode=None, training=True,
                 frame_stack_padding="reset"):
        self.env = make_env(env_id, kwargs, wrappers, frame_skip, frame_stack, render_mode, training, frame_stack_padding)
        self.observation_space = describe_space(self.env.observation_space)
        self.action_space = describe_space(self.env.action_space)
        self.max_episode_steps = getattr(self.env.spec, "max_episode_steps", None)
        self.obs = self.result = None

    def bind(self, memory):
        """memory: {"obs": (address, nbytes), "result": (address, nbytes)} of .NET's pinned arrays: obs holds one
        observation of the observation space's dtype and shape; result three float64s: reward, terminated, truncated."""
        space = self.env.observation_space
        self.obs = array_at(*memory["obs"], space.dtype, space.shape)
        self.result = array_at(*memory["result"], np.float64, (3,))

    def _write_obs(self, obs):
        obs = np.asarray(obs)
        if obs.shape != self.obs.shape:
            raise ValueError(f"observation of shape {obs.shape}, but the observation space has shape {self.obs.shape}")
        np.copyto(self.obs, obs, casting="no")

    def reset_into(self, seed=None):
        obs, self.info = self.env.reset(seed=seed)
        self._write_obs(obs)

    def step_into(self, actions):
        """Steps with actions[0] (an int64 array of one, .NET's memory)."""
        obs, reward, terminated, truncated, self.info = self.env.step(int(actions[0]))
        self._write_obs(obs)
        result = self.result
        result[0] = reward
        result[1] = terminated
        result[2] = truncated

    def plain_info(self):
        """The last info dict with NumPy values turned into plain Python ones, for .NET."""
        return _plain(getattr(self, "info", {}))

    def render(self):
        return np.ascontiguousarray(self.env.render(), dtype=np.uint8)

    def close(self):
        self.env.close()


def _plain(value):
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def unknown_id_suggestions(env_id):
    """None when env_id is registered (ALE ids after registering ale_py), else the closest registered ids."""
    import difflib
    try:
        gymnasium = _import_gymnasium(env_id)
    except ImportError:
        import gymnasium
    env_id = env_id.rpartition(":")[2]  # module:EnvId-v0, its module already imported
    if env_id in gymnasium.registry:
        return None
    return difflib.get_close_matches(env_id, list(gymnasium.registry.keys()), n=5, cutoff=0.5)


def list_environments():
    """Every registered id, sorted (ALE's too when ale_py is installed)."""
    import gymnasium
    try:
        import ale_py
        gymnasium.register_envs(ale_py)
    except ImportError:
        pass
    return sorted(gymnasium.registry.keys())


# ---------------------------------------------------------------- ALE's own C++ vector environment


def ale_vector_available():
    """None when ale_py's C++ vector environment can be used, else why not (a sentence)."""
    try:
        from ale_py.vector_env import AtariVectorEnv  # noqa: F401
    except ImportError as error:
        return f"ale_py.vector_env.AtariVectorEnv cannot be imported ({error}); ale-py 0.11 or newer provides it"
    return None


_ALE_CANNOT_RENDER = "ALE's vector environment does not render; use vectorization=sync to record frames"


def ale_game_name(env_id):
    """ALE/SpaceInvaders-v5 or SpaceInvadersNoFrameskip-v4 -> space_invaders (the ROM name AtariVectorEnv takes)."""
    import re
    name = env_id.split("/")[-1].split("-v")[0].replace("NoFrameskip", "").replace("Deterministic", "")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class AleVectorDriver(_VectorDriverBase):
    """ALE's AtariVectorEnv (threads in C++) behind VectorDriver's interface (bind, reset, step, replay, close), with
    same-step autoreset and the same StepBuffers.

    ALE does the Atari preprocessing itself (no-op reset, frame skip with max-pool, 84x84 gray, frame stack padded
    with zeros, FIRE at reset, whole-game episodes). We ask it for raw rewards and clip them here while training,
    so the episode returns we report are game scores. wrappers, render_mode, frame_stack_padding and
    vectorization_mode are VectorDriver's arguments; ALE's stack always pads with zeros and it cannot render.
    """

    def __init__(self, env_id, num_envs, kwargs=None, wrappers="atari", frame_skip=4, frame_stack=4,
                 render_mode=None, training=True, vectorization_mode="ale", frame_stack_padding="zero"):
        from ale_py.vector_env import AtariVectorEnv
        from gymnasium.vector import AutoresetMode
        if render_mode is not None:
            raise ValueError(_ALE_CANNOT_RENDER)
        gymnasium = _import_gymnasium(env_id)
        registered = dict(gymnasium.spec(env_id).kwargs) if env_id in gymnasium.registry else {}
        options = {key: registered[key] for key in ("repeat_action_probability", "full_action_space", "max_num_frames_per_episode")
                   if key in registered}
        options.update(kwargs or {})
        options.pop("frameskip", None)
        self.envs = AtariVectorEnv(ale_game_name(env_id), num_envs, frameskip=frame_skip, stack_num=frame_stack,
                                   reward_clipping=False, autoreset_mode=AutoresetMode.SAME_STEP, **options)
        self.env_id = env_id
        self.training = training
        self._describe(num_envs, None)
        self.full_replay_reason = "vectorization ale: ALE's C++ vector environment resets its games itself"
        self.running_return = np.zeros(num_envs, dtype=np.float64)
        self.running_length = np.zeros(num_envs, dtype=np.int64)

    def reset(self, seed):
        """Resets every environment (ALE seeds env i from seed); returns the StepBuffers."""
        obs, _ = self.envs.reset(seed=seed)
        self.running_return[:] = 0.0
        self.running_length[:] = 0
        return self._start_episodes(obs)

    def step(self, actions):
        """One step of every environment (actions: int64[N]); returns how many envs ended."""
        b = self.buffers
        obs, rewards, terminated, truncated, infos = self.envs.step(np.asarray(actions, dtype=np.int64))
        self.running_return += rewards
        self.running_length += 1
        done = np.logical_or(terminated, truncated)
        b.episode_done[:] = done
        ended = int(done.sum())
        if ended:
            b.final_obs[done] = infos["final_obs"][done]
            b.episode_return[done] = self.running_return[done]
            b.episode_length[done] = self.running_length[done]
            self.running_return[done] = 0.0
            self.running_length[done] = 0
        b.obs[...] = obs
        b.rewards[:] = np.sign(rewards) if self.training else rewards
        b.terminated[:] = terminated
        b.truncated[:] = truncated
        return ended

    def render(self, index=0):
        raise NotImplementedError(_ALE_CANNOT_RENDER)
