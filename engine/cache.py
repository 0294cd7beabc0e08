"""JAX's persistent compilation cache: compiled programs kept on disk, so a restarted server
draws its first chart without compiling again."""

import os
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parent.parent


def enable_compilation_cache(folder=None):
    """Keep every compiled program under ``folder`` (default: $LLL_CACHE_DIR, else .cache/jax in the
    project); returns the folder, or None where it cannot be created."""
    folder = Path(folder or os.environ.get("LLL_CACHE_DIR") or ROOT / ".cache" / "jax")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only checkout still runs, only without the cache
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return folder
