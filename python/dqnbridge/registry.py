"""What this Python can make: Gymnasium's availability, its registered ids (ALE's too), suggestions for unknown
ids, the reasons an id cannot be made here, and ALE's vector environment."""
import difflib
import importlib.util
import os


def gymnasium_available():
    try:
        import gymnasium  # noqa: F401
    except ImportError:
        return False
    return True


def import_ale_py():
    """ale_py, told to print only errors: its "A.L.E: ... [Powered by Stella]" banner on every new emulator is noise
    like pygame's greeting (headless.py)."""
    import ale_py
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
    return ale_py


def import_gymnasium(env_id):
    import gymnasium
    if env_id.startswith("ALE/"):
        gymnasium.register_envs(import_ale_py())
    else:
        spec = gymnasium.registry.get(env_id)
        if spec is not None and str(spec.entry_point).startswith("ale_py"):  # NoFrameskip-v4 ids are ALE's too
            import_ale_py()
    return gymnasium


def unknown_id_suggestions(env_id):
    """None when env_id is registered (ALE ids after registering ale_py), else the closest registered ids."""
    try:
        gymnasium = import_gymnasium(env_id)
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
        gymnasium.register_envs(import_ale_py())
    except ImportError:
        pass
    return sorted(gymnasium.registry.keys())


def ale_vector_available():
    """None when ale_py's C++ vector environment can be used, else why not (a sentence)."""
    try:
        from ale_py.vector_env import AtariVectorEnv  # noqa: F401
    except ImportError as error:
        return f"ale_py.vector_env.AtariVectorEnv cannot be imported ({error}); ale-py 0.11 or newer provides it"
    return None


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


# The reasons unavailable_environments gives; .NET switches on them (DqnBridge.Envs.EnvProblem).
MISSING_ROM = "missing_rom"
MISSING_DEPENDENCY = "missing_dependency"


def _missing_dependency(family, requirement, install):
    """A reason: family (ALE, MuJoCo, Box2D), what is missing as a phrase ("needs mujoco") and the command that
    installs it."""
    return {"reason": MISSING_DEPENDENCY, "family": family, "requirement": requirement, "install": install}


def unavailable_environments(ids):
    """{id: reason} for the registered ids this Python cannot make: MuJoCo ids without mujoco, Box2D ids without Box2D,
    ALE ids without ale-py, their ROM or OpenCV. Each reason is a dict with "reason" (MISSING_ROM, with "game" and the
    ROM "folder"; or MISSING_DEPENDENCY, see _missing_dependency) and "family". Each dependency is checked once; no
    environment is made."""
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
            reasons[env_id] = _missing_dependency("MuJoCo", "needs mujoco", 'pip install "gymnasium[mujoco]"')
        elif entry_point.startswith("gymnasium.envs.box2d") and missing("Box2D"):
            reasons[env_id] = _missing_dependency("Box2D", "needs Box2D", 'pip install "gymnasium[box2d]"')
        elif entry_point.startswith("ale_py"):
            game = (spec.kwargs or {}).get("game")
            if rom_directory is None:
                reasons[env_id] = _missing_dependency("ALE", "needs ale-py", "pip install ale-py")
            elif isinstance(game, str) and not os.path.isfile(os.path.join(rom_directory, game + ".bin")):
                reasons[env_id] = {"reason": MISSING_ROM, "family": "ALE", "game": game, "folder": rom_directory}
            elif importlib.util.find_spec("cv2") is None:  # found, not imported: importing OpenCV takes seconds
                reasons[env_id] = _missing_dependency("ALE", "the atari wrappers need OpenCV",
                                                      "pip install opencv-python-headless")
    return reasons
