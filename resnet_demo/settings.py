"""Every setting the package reads from the environment, read once at import, under one prefix.

Each is `RESNET_EXPLORER_<NAME>`. Two used the package's old prefix, `RESNET_DEMO_`; those names
still work as deprecated aliases (a FutureWarning says which name to use; the new name wins when
both are set). app.py's flags have environment defaults of their own, `RESNET_EXPLORER_<FLAG>`,
read through `env` here. A value that is not what its setting needs stops the import with a
ValueError naming the variable, not a bare `int()` traceback.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "RESNET_EXPLORER_"
"""Every environment variable of the package begins with this."""
DEPRECATED: dict[str, str] = {
    "RESNET_DEMO_MAX_MODELS": PREFIX + "MAX_MODELS",
    "RESNET_DEMO_DEBUG": PREFIX + "DEBUG",
}
"""Old names still read, and the names that replace them."""


def env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of RESNET_EXPLORER_<NAME> ("" counts as unset), else of its deprecated alias, else None."""
    environ = os.environ if environ is None else environ
    current = PREFIX + name.upper().replace("-", "_")
    if value := environ.get(current):
        return value
    for old, new in DEPRECATED.items():
        if new == current and (value := environ.get(old)):
            warnings.warn(f"{old} is deprecated; set {new} instead", FutureWarning, stacklevel=2)
            return value
    return None


def _count(name: str, default: int | None, environ: Mapping[str, str] | None) -> int | None:
    value = env(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError(f"{PREFIX}{name} must be a whole number, 0 or more; got {value!r}")
    return number


@dataclass(frozen=True)
class Settings:
    """The environment's settings (each field's variable is RESNET_EXPLORER_ + its name in capitals)."""

    max_models: int | None = None  # models the loaded-model cache keeps; None: one per depth (zoo.py)
    display_mb: int = 256  # MB for the recent results of all visitors together (ui/shown.py)
    debug: bool = False  # the command line prints a traceback for an unexpected failure (cli.py)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from `environ` (default: the process's environment)."""
        return cls(
            max_models=_count("MAX_MODELS", None, environ),
            display_mb=_count("DISPLAY_MB", cls.display_mb, environ),
            debug=bool(env("DEBUG", environ)),  # any non-empty value, as before
        )


SETTINGS = Settings.from_environ()
"""The settings of this process, read once at import."""
