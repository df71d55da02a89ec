"""What DqnBridge's embedded Python needs before Gymnasium runs, and what this Python can make.

Importing this module sets quiet defaults for SDL and pygame (Gymnasium's renderer) in this process's
environment, so headless rendering prints nothing; a value the user set is kept. It must be imported
before anything imports pygame: dqnbridge_envs imports it first.
"""

import importlib.util
import os


def _quiet_headless_defaults(environ=os.environ):
    # No sound card on a server: SDL's dummy audio driver keeps ALSA from printing its errors.
    environ.setdefault("SDL_AUDIODRIVER", "dummy")
    # Without a display, SDL's video probing complains about XDG_RUNTIME_DIR; rgb_array rendering
    # draws on off-screen surfaces and needs no display.
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        environ.setdefault("SDL_VIDEODRIVER", "dummy")
    # pygame's "Hello from the pygame community" banner on import.
    environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


_quiet_headless_defaults()


def _import_problem(module):
    """None when the module imports, else a short reason."""
    try:
        __import__(module)
    except Exception as error:  # an installed but broken module counts as missing too
        return "%s: %s" % (type(error).__name__, error)
    return None


def _ale_rom_directory():
    """Where ale_py looks for ROMs (ALE_ROMS_DIR, else its roms package), or None without ale_py."""
    try:
        from ale_py import roms
    except ImportError:
        return None
    return os.environ.get("ALE_ROMS_DIR") or os.path.dirname(roms.__file__)


def unavailable_environments(ids):
    """{id: reason} for the registered ids this Python cannot make: MuJoCo ids without mujoco, Box2D ids
    without Box2D, ALE ids whose ROM is missing. Each dependency is checked once; no environment is made."""
    import gymnasium

    checks = {}

    def missing(module):
        if module not in checks:
            checks[module] = _import_problem(module)
        return checks[module]

    rom_directory = _ale_rom_directory()
    reasons = {}
    for env_id in ids:
        spec = gymnasium.registry.get(env_id)
        if spec is None:
            continue
        entry_point = spec.entry_point if isinstance(spec.entry_point, str) else ""
        if entry_point.startswith("gymnasium.envs.mujoco") and missing("mujoco"):
            reasons[env_id] = 'needs mujoco (pip install "gymnasium[mujoco]")'
        elif entry_point.startswith("gymnasium.envs.box2d") and missing("Box2D"):
            reasons[env_id] = 'needs Box2D (pip install "gymnasium[box2d]")'
        elif entry_point.startswith("ale_py"):
            game = (spec.kwargs or {}).get("game")
            if rom_directory is None:
                reasons[env_id] = "needs ale-py (pip install ale-py)"
            elif isinstance(game, str) and not os.path.isfile(os.path.join(rom_directory, game + ".bin")):
                reasons[env_id] = "no ROM for '%s' in %s" % (game, rom_directory)
            elif importlib.util.find_spec("cv2") is None:  # found, not imported: importing OpenCV takes seconds
                reasons[env_id] = "the atari wrappers need OpenCV (pip install opencv-python-headless)"
    return reasons
