"""Our Gymnasium wrappers (lost life as terminal, FIRE at reset, CarRacing preprocessing, episode-start recording) and
make_env, which stacks them on a registered environment."""
import numpy as np

from .preprocessing import car_racing_frame, car_racing_frame_cropped
from .registry import import_gymnasium
from .restore import (decode_episode_start, encode_episode_start, episode_restore_unsupported, episode_snapshot,
                      replay_episode)


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


def life_tracker(env):
    """The LifeLossTracker of env's EpisodicLife wrapper, or None: a reset after a lost life continues the game."""
    while env is not None:
        tracker = getattr(env, "tracker", None)
        if isinstance(tracker, LifeLossTracker):
            return tracker
        env = getattr(env, "env", None)
    return None


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


def has_fire_action(env):
    """Whether the game's action meanings include FIRE (Breakout, Pong, Tetris...): those games need it to start."""
    meanings = getattr(env.unwrapped, "get_action_meanings", None)
    return meanings is not None and "FIRE" in meanings()


def _fire_reset_wrapper(gymnasium):
    class FireReset(gymnasium.Wrapper):
        """After every reset (a new game, or a new life under EpisodicLife) presses FIRE, then the action after it,
        as the DQN Atari wrappers CleanRL's dqn_atari.py uses do; a game that ends on either press is reset again."""

        def reset(self, **kwargs):
            self.env.reset(**kwargs)
            obs, info = None, {}
            for press in (1, 2):
                obs, _, terminated, truncated, info = self.env.step(press)
                if terminated or truncated:
                    obs, info = self.env.reset(**kwargs)
            return obs, info

    return FireReset


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
    gymnasium = import_gymnasium(env_id)
    kwargs = dict(kwargs or {})
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    if wrappers == "atari":
        kwargs.setdefault("frameskip", 1)  # AtariPreprocessing skips frames itself, with max-pooling
    env = gymnasium.make(env_id, **kwargs)
    env = gymnasium.wrappers.RecordEpisodeStatistics(env)
    if wrappers == "atari":
        # CleanRL dqn_atari.py's chain: no-op reset (up to 30), frame skip with max-pool, episodic life, FIRE reset for
        # games with FIRE, reward clipping (training only), 84x84 gray, stack. Evaluation gets the same chain but the
        # clipping, and its SingleDriver plays on after a lost life, so an evaluated episode is a whole game.
        env = gymnasium.wrappers.AtariPreprocessing(
            env, noop_max=30, frame_skip=frame_skip, screen_size=84, terminal_on_life_loss=False, grayscale_obs=True)
        env = _episodic_life_wrapper(gymnasium)(env)
        if has_fire_action(env):
            env = _fire_reset_wrapper(gymnasium)(env)
        if training:
            env = gymnasium.wrappers.TransformReward(env, lambda r: float(np.sign(r)))
        env = gymnasium.wrappers.FrameStackObservation(env, frame_stack, padding_type=frame_stack_padding)
    elif wrappers in ("carracing", "carracing_crop"):
        env = _car_racing_wrapper(gymnasium)(env, frame_skip=frame_skip, crop=wrappers == "carracing_crop")
        env = gymnasium.wrappers.FrameStackObservation(env, frame_stack, padding_type=frame_stack_padding)
    if record_episode_starts:
        env = _episode_start_recorder(gymnasium)(env)
    return env


class WorkerStepError(Exception):
    """An env's step raised in an AsyncVectorEnv worker: AsyncVectorEnv hands the parent only the exception's type and
    value, so this carries the original exception and the worker's traceback (raise_in_parent re-raises them)."""

    def __init__(self, original, trace=None):
        if isinstance(original, WorkerStepError):  # AsyncVectorEnv raises type(value)(value) in the parent
            original, trace = original.original, original.trace
        super().__init__(original, trace)
        self.original, self.trace = original, trace

    def __str__(self):
        return f"{type(self.original).__name__}: {self.original}"

    def raise_in_parent(self):
        """Raises the original exception, caused by the worker's traceback (so that it is shown with it)."""
        raise self.original from _RemoteTraceback(self.trace)


class _RemoteTraceback(Exception):
    """A traceback from another process, shown as it was formatted there."""

    def __str__(self):
        return "in the environment's worker process\n" + str(self.args[0]).rstrip()


def _episode_start_recorder(gymnasium):
    class EpisodeStartRecorder(gymnasium.Wrapper):
        """Records, inside the env's own process, what VectorDriver records for in-process envs: the step its current
        game started at and what determined that start. AsyncVectorEnv reaches it with call and set_attr."""

        def __init__(self, env):
            super().__init__(env)
            self.tracker = life_tracker(env)
            self.steps = 0
            self.start = self.start_before_step = None
            self.pending_restore = None

        def reset(self, *, seed=None, options=None):
            if seed is not None:
                self.steps, self.start = 0, (0, {"seed": seed})
            elif self.tracker is None or self.tracker.needs_real_reset:
                self.start = (self.steps, episode_snapshot(self.env))
            return self.env.reset(seed=seed, options=options)

        def step(self, action):
            self.steps += 1
            self.start_before_step = self.start  # a reset after this step (autoreset) records a new start
            try:
                return self.env.step(action)
            except Exception as error:
                import traceback
                raise WorkerStepError(error, traceback.format_exc()) from None

        def restore_unsupported(self):
            return episode_restore_unsupported(self.env)

        def episode_start(self):
            """This env's entry of VectorDriver.episode_starts."""
            return encode_episode_start(*self.start)

        def episode_start_before_step(self):
            """episode_start as it was before the last step."""
            return encode_episode_start(*self.start_before_step)

        def restore_pending(self):
            """Restores pending_restore = (episode_start, the actions since, steps taken); returns the observation."""
            start, actions, steps = self.pending_restore
            self.pending_restore = None
            self.start = decode_episode_start(start)
            obs = replay_episode(self.env, self.start[1], actions)
            self.steps = steps
            return obs

    return EpisodeStartRecorder
