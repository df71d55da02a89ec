"""Restoring one episode per environment: what determines an episode's start, encoded for a checkpoint, and the
replay of an episode's own actions from that start."""
import base64


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


def episode_snapshot(env):
    """What determines the next reset(seed=None) and the episode it starts: np_random, and ALE's emulator."""
    base = env.unwrapped
    snapshot = {"np_random": base.np_random.bit_generator.state}
    ale = getattr(base, "ale", None)
    if ale is not None:
        snapshot["ale"] = ale.cloneState(include_rng=True)
    return snapshot


def start_episode(env, snapshot):
    """Resets env as the recorded episode start did: with its seed, or after putting back its snapshot."""
    if "seed" in snapshot:
        return env.reset(seed=snapshot["seed"])[0]
    base = env.unwrapped
    base.np_random.bit_generator.state = snapshot["np_random"]
    if "ale" in snapshot:
        base.ale.restoreState(snapshot["ale"])
    return env.reset()[0]


def encode_episode_start(step, snapshot):
    encoded = {"start": step}
    for key, value in snapshot.items():
        # ALEState pickles as (its serialized bytes,).
        encoded[key] = base64.b64encode(value.__getstate__()[0]).decode("ascii") if key == "ale" else value
    return encoded


def decode_episode_start(encoded):
    snapshot = {key: value for key, value in encoded.items() if key != "start"}
    if "ale" in snapshot:
        import ale_py
        snapshot["ale"] = ale_py.ALEState(base64.b64decode(snapshot["ale"]))
    return int(encoded["start"]), snapshot


def replay_episode(env, snapshot, actions):
    """Starts env's game as snapshot says, then steps it through actions (plain ints), resetting after each ending as
    the vector drivers do (only lost lives can end in a game's own actions); returns the last observation."""
    obs = start_episode(env, snapshot)
    for action in actions:
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            obs, _ = env.reset()
    return obs
