"""Council performance and finance briefing: returns in, briefing documents out.

``briefing.load_period("2022-07")`` loads one period's briefing to explore (see ``notebooks/explore.ipynb``).
"""


def __getattr__(name: str):
    """``load_period``, imported when first asked for: the package's modules that need no pandas (the
    command's, before its kernels start) stay quick to import."""
    if name == "load_period":
        from .document import load_period
        return load_period
    raise AttributeError(f"module 'briefing' has no attribute {name!r}")
