"""What DqnBridge's embedded Python needs before Gymnasium runs.

Importing this module sets quiet defaults for SDL and pygame (Gymnasium's renderer) in this process's
environment, so headless rendering prints nothing; a value the user set is kept. It must be imported
before anything imports pygame: the package's __init__ imports it first.
"""

import os


def set_quiet_defaults(environ=os.environ):
    # No sound card on a server: SDL's dummy audio driver keeps ALSA from printing its errors.
    environ.setdefault("SDL_AUDIODRIVER", "dummy")
    # Without a display, SDL's video probing complains about XDG_RUNTIME_DIR; rgb_array rendering
    # draws on off-screen surfaces and needs no display.
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        environ.setdefault("SDL_VIDEODRIVER", "dummy")
    # pygame's "Hello from the pygame community" banner on import.
    environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


set_quiet_defaults()
