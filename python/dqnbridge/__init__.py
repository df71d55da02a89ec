"""DqnBridge's Python side, imported by the .NET host from python/ (on sys.path).

headless      quiet SDL/pygame defaults (imported first, before anything imports pygame)
preprocessing frame preprocessing Gymnasium lacks, NumPy only
wrappers      our Gymnasium wrappers and make_env, which stacks them
restore       what determines an episode's start, and the replay of an episode from it
buffers       NumPy views of .NET's memory, and the StepBuffers a vector step fills
drivers       SingleDriver, AleSingleDriver, VectorDriver, AleVectorDriver: one call per step from .NET
registry      what this Python can make: Gymnasium's ids, suggestions, availability

The array helpers need only NumPy; Gymnasium is imported when environments are made. Below, what .NET calls.
"""
from . import headless  # noqa: F401  (first: quiet SDL/pygame defaults before anything imports pygame)
from .drivers import AleSingleDriver, AleVectorDriver, SingleDriver, VectorDriver
from .registry import (ale_vector_available, gymnasium_available, list_environments, unavailable_environments,
                       unknown_id_suggestions)

__all__ = ["AleSingleDriver", "AleVectorDriver", "SingleDriver", "VectorDriver", "ale_vector_available",
           "gymnasium_available", "list_environments", "unavailable_environments", "unknown_id_suggestions"]
