"""NumPy views of memory .NET owns, and the StepBuffers a vector step writes its results into."""
import ctypes

import numpy as np


def array_at(address, nbytes, dtype, shape):
    """A NumPy view of nbytes of memory that .NET owns (a pinned array) at address: no copy, no ownership.
    .NET keeps the memory alive and unmoved for as long as it keeps the driver that holds the view."""
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

    FIELDS = ("obs", "final_obs", "rewards", "terminated", "truncated", "episode_done", "episode_return",
              "episode_length")
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
