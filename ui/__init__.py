"""What every page shares: widgets bound to the page's state and URL, the path player, cached engine
calls, read-outs. Importing it turns on JAX's persistent compilation cache."""

from engine.cache import enable_compilation_cache

enable_compilation_cache()
