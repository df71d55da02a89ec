"""The drivers .NET holds: VectorDriver (Gymnasium envs in process or in subprocesses), AleVectorDriver (ALE's own
C++ vector environment) and SingleDriver (one env, no autoreset). Each hands back everything .NET needs in one call
per step, written into StepBuffers or views of .NET's memory."""
import functools
import json
import re

import numpy as np

from .buffers import StepBuffers, array_at
from .registry import import_ale_py, import_gymnasium
from .restore import (decode_episode_start, encode_episode_start, episode_restore_unsupported, episode_snapshot,
                      replay_episode)
from .wrappers import WorkerStepError, life_tracker, make_env


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
                 render_mode=None, training=True, vectorization_mode="sync", frame_stack_padding="reset",
                 env_modules=()):
        import_gymnasium(env_id)
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
        self.life_trackers = [life_tracker(env) for env in self.env_list or []]
        self.steps = 0
        self.episode_start_list = self.episode_start_list_before_step = None

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
        self.episode_start_list_before_step = self.episode_start_list
        if self.env_list is None:
            try:
                from gymnasium import logger
            except ImportError:  # a vector env that is not Gymnasium's has no logger to quiet
                logger = None
            # A worker's error comes back as a WorkerStepError, raised again below with the worker's traceback:
            # Gymnasium need not print that traceback too (it logs it at error level, as warnings).
            level = logger.min_level if logger is not None else 0
            if logger is not None:
                logger.min_level = max(level, logger.ERROR + 1)
            try:
                return self._step_gymnasium_vector(actions)
            except WorkerStepError as error:
                self.steps -= 1
                error.raise_in_parent()
            except BaseException:
                self.steps -= 1
                raise
            finally:
                if logger is not None:
                    logger.min_level = level
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
                        self.episode_start_list[i] = (self.steps, episode_snapshot(env))
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
        if self.full_replay_reason is not None:
            raise RuntimeError(f"{self.env_id} cannot be restored episode by episode: {self.full_replay_reason}")
        if self.env_list is None:
            return json.dumps(list(self.envs.call("episode_start")))
        return json.dumps([encode_episode_start(step, snapshot) for step, snapshot in self.episode_start_list])

    def episode_starts_before_step(self):
        """episode_starts as they were before the last step (for a checkpoint of the state before a step whose
        results .NET could not keep); the envs are not stepped again."""
        if self.full_replay_reason is not None:
            raise RuntimeError(f"{self.env_id} cannot be restored episode by episode: {self.full_replay_reason}")
        if self.env_list is None:
            return json.dumps(list(self.envs.call("episode_start_before_step")))
        return json.dumps([encode_episode_start(step, snapshot)
                           for step, snapshot in self.episode_start_list_before_step])

    def restore_episodes(self, starts_json, actions, first_step, steps, action_start=0):
        """Puts every env back as episode_starts (starts_json) and the actions since say, without replaying earlier
        episodes: env i starts its game again as recorded, then steps through column i of actions (rows are steps
        first_step, first_step + 1, ...; each action minus action_start) from its own start, resetting after each
        lost life as step does. Afterwards the driver counts `steps` steps. Returns the StepBuffers."""
        encoded_starts = json.loads(starts_json)
        if len(encoded_starts) != self.num_envs:
            raise ValueError(f"{len(encoded_starts)} episode starts for {self.num_envs} environments")
        actions = np.asarray(actions, dtype=np.int64) + action_start
        own_actions = []
        for i, encoded in enumerate(encoded_starts):
            start = int(encoded["start"])
            if not first_step <= start <= steps:
                raise ValueError(
                    f"env {i}'s episode starts at step {start}, outside the saved steps {first_step} to {steps}")
            own_actions.append(actions[start - first_step:, i].tolist())
        if self.env_list is None:
            # Each subprocess restores its own env.
            self.envs.set_attr("pending_restore",
                               [(encoded, own, steps) for encoded, own in zip(encoded_starts, own_actions)])
            current_obs = self.envs.call("restore_pending")
        else:
            starts = [decode_episode_start(encoded) for encoded in encoded_starts]
            current_obs = [replay_episode(env, snapshot, own)
                           for env, (_, snapshot), own in zip(self.env_list, starts, own_actions)]
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
    call that hands back no objects.

    Not training, a lost life (Atari) does what it does in training, a reset of the wrappers above the game (a new
    stack, FIRE pressed again), but the episode goes on until the game is over: evaluation sees what training sees
    and scores whole games."""

    def __init__(self, env_id, kwargs=None, wrappers="none", frame_skip=4, frame_stack=4, render_mode=None,
                 training=True, frame_stack_padding="reset"):
        self.env = make_env(env_id, kwargs, wrappers, frame_skip, frame_stack, render_mode, training,
                            frame_stack_padding)
        self.training = training
        self.tracker = life_tracker(self.env)
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
        if terminated and not self.training and self.tracker is not None and not self.tracker.needs_real_reset:
            obs, _ = self.env.reset()  # a lost life, not a game over: the game continues
            terminated = False
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


_ALE_CANNOT_RENDER = "ALE's vector environment does not render; use vectorization=sync to record frames"


class AleSingleDriver(SingleDriver):
    """SingleDriver's interface on one environment of ALE's AtariVectorEnv, for evaluating runs trained with
    vectorization ale: the same emulator preprocessing (no-op and FIRE reset, skip, max-pool, zero-padded stack) and,
    with the same seed, the same first observation as training environment 0. Rewards are raw (not training)."""

    def __init__(self, env_id, kwargs=None, wrappers="atari", frame_skip=4, frame_stack=4, render_mode=None,
                 training=False, frame_stack_padding="zero"):
        self.vector = AleVectorDriver(env_id, 1, kwargs, wrappers, frame_skip, frame_stack, render_mode, training)
        self.training = training
        self.tracker = None
        self.env = None
        self.observation_space = self.vector.observation_space
        self.action_space = self.vector.action_space
        self.max_episode_steps = None
        self.obs = self.result = None
        self._space = self.vector.envs.single_observation_space
        self.info = {}

    def bind(self, memory):
        self.obs = array_at(*memory["obs"], self._space.dtype, self._space.shape)
        self.result = array_at(*memory["result"], np.float64, (3,))

    def reset_into(self, seed=None):
        """With a seed, a reset of the game; without, the game ALE started itself when the last one ended."""
        if seed is not None or self.vector.buffers is None:
            self.vector.reset(seed)
        self._write_obs(self.vector.buffers.obs[0])

    def step_into(self, actions):
        b = self.vector.buffers
        self.vector.step(np.asarray(actions[:1], dtype=np.int64))
        done = bool(b.terminated[0] or b.truncated[0])
        self._write_obs(b.final_obs[0] if done else b.obs[0])
        self.result[0] = b.rewards[0]
        self.result[1] = b.terminated[0]
        self.result[2] = b.truncated[0]

    def render(self):
        raise NotImplementedError(_ALE_CANNOT_RENDER)

    def close(self):
        self.vector.close()


def ale_game_name(env_id):
    """ALE/SpaceInvaders-v5 or SpaceInvadersNoFrameskip-v4 -> space_invaders (the ROM name AtariVectorEnv takes)."""
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
        import_ale_py()
        from ale_py.vector_env import AtariVectorEnv
        from gymnasium.vector import AutoresetMode
        if render_mode is not None:
            raise ValueError(_ALE_CANNOT_RENDER)
        gymnasium = import_gymnasium(env_id)
        registered = dict(gymnasium.spec(env_id).kwargs) if env_id in gymnasium.registry else {}
        inherited = ("repeat_action_probability", "full_action_space", "max_num_frames_per_episode")
        options = {key: registered[key] for key in inherited if key in registered}
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
