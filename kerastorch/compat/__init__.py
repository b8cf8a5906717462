"""Run old Keras scripts on kerastorch: `import keras` and `keras.X.Y` resolve to the kerastorch modules.

`install()` puts an import finder first on `sys.meta_path` that answers `keras` with the
`kerastorch` package and `keras.X.Y` with `kerastorch.X.Y` (the same module objects, so
`keras.layers is kerastorch.layers` and `isinstance` checks agree), and applies the settings of
`keras.json` (`$KERAS_HOME/keras.json`, else `~/.keras/keras.json`) as Keras did at import.
`python -m kerastorch.compat old_script.py [args]` runs a script with it installed; the
`compat/keras` package at the repository top does the same for `PYTHONPATH=compat python old_script.py`.
"""

import importlib
import importlib.abc
import importlib.util
import json
import os
import runpy
import sys

# Keras module paths whose kerastorch module has another name. Anything else maps `keras.X.Y` to
# `kerastorch.X.Y`.
MODULE_ALIASES = {
    "keras": "kerastorch",
    "keras.backend.tensorflow_backend": "kerastorch.backend",
    "keras.backend.theano_backend": "kerastorch.backend",
    "keras.backend.common": "kerastorch.backend",
    "keras.engine.base_layer": "kerastorch.engine.layer",
    "keras.engine.input_layer": "kerastorch.engine.keras_tensor",
    "keras.engine.network": "kerastorch.engine.topology",
}


def target_name(fullname):
    """The kerastorch module name for a Keras module name (`keras.layers.core` -> `kerastorch.layers.core`)."""
    if fullname in MODULE_ALIASES:
        return MODULE_ALIASES[fullname]
    return "kerastorch" + fullname[len("keras") :]


class _AliasLoader(importlib.abc.Loader):
    """Loads a `keras...` name as an already imported kerastorch module (no second copy)."""

    def __init__(self, module):
        self.module = module
        self.original_spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        # The import system stamps the alias spec on the module; the module keeps its own.
        module.__spec__ = self.original_spec
        _register_aliased_children(module.__name__)


def _register_aliased_children(kerastorch_name):
    """Pre-registers alias names below a module that is not a package (`keras.backend.common`)."""
    for alias, target in MODULE_ALIASES.items():
        parent = alias.rpartition(".")[0]
        if parent and target_name(parent) == kerastorch_name and alias not in sys.modules:
            if not hasattr(sys.modules.get(kerastorch_name), "__path__"):
                sys.modules[alias] = importlib.import_module(target)


class KerasAliasFinder(importlib.abc.MetaPathFinder):
    """Answers imports of `keras` and `keras.*` with the matching kerastorch modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        name = target_name(fullname)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not name.startswith(error.name):
                raise
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: kerastorch has no module {name!r}. compat/NAMES.md lists the "
                "Keras modules and names that are supported.",
                name=fullname,
            ) from None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module), is_package=hasattr(module, "__path__"))


_FINDER = KerasAliasFinder()


def keras_config_path():
    """`$KERAS_HOME/keras.json` when KERAS_HOME is set, else `~/.keras/keras.json`."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "keras.json")


def apply_keras_config(path=None):
    """Applies floatx, epsilon and image_data_format (or Keras 1 image_dim_ordering) from keras.json.

    Args:
        path: the file; default `keras_config_path()`. A missing file changes nothing.

    Returns:
        The settings applied (a dict).
    """
    from kerastorch import backend
    from kerastorch.legacy import backend as legacy_backend

    path = path or keras_config_path()
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        try:
            config = json.load(handle)
        except ValueError as error:
            raise ValueError(f"The Keras config file {path} is not valid JSON: {error}") from None
    applied = {}
    if "floatx" in config:
        backend.set_floatx(config["floatx"])
        applied["floatx"] = config["floatx"]
    if "epsilon" in config:
        backend.set_epsilon(config["epsilon"])
        applied["epsilon"] = config["epsilon"]
    if "image_data_format" in config:
        backend.set_image_data_format(config["image_data_format"])
        applied["image_data_format"] = config["image_data_format"]
    elif "image_dim_ordering" in config:
        legacy_backend.set_image_dim_ordering(config["image_dim_ordering"])
        applied["image_data_format"] = backend.image_data_format()
    return applied


def install(apply_config=True):
    """Makes `import keras` / `keras.X.Y` resolve to kerastorch (idempotent).

    Args:
        apply_config: also apply the settings of keras.json (see `apply_keras_config`).
    """
    import kerastorch

    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    existing = sys.modules.get("keras")
    if existing is not None and existing is not kerastorch and not getattr(existing, "_kerastorch_shim", False):
        raise ImportError(
            f"A different `keras` package is already imported ({getattr(existing, '__file__', existing)!r}); "
            "install the kerastorch compatibility layer before anything imports keras."
        )
    sys.modules["keras"] = kerastorch
    if apply_config:
        apply_keras_config()


def uninstall():
    """Removes the finder and the `keras` entries it made in `sys.modules`."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [name for name in sys.modules if name == "keras" or name.startswith("keras.")]:
        del sys.modules[name]


def run_script(path, argv=(), apply_config=True):
    """Runs `path` as `__main__` with the compatibility layer installed.

    Args:
        path: the script.
        argv: its command-line arguments (without the script name).
        apply_config: apply keras.json first (False when the caller has set the backend already).
    """
    install(apply_config=apply_config)
    path = os.path.abspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such script: {path}")
    sys.argv = [path] + list(argv)
    sys.path.insert(0, os.path.dirname(path))
    return runpy.run_path(path, run_name="__main__")


__all__ = [
    "KerasAliasFinder",
    "MODULE_ALIASES",
    "apply_keras_config",
    "install",
    "keras_config_path",
    "run_script",
    "target_name",
    "uninstall",
]
