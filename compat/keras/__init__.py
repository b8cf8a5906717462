"""`keras` for old scripts: `PYTHONPATH=compat python old_script.py` runs them on kerastorch.

Importing this package installs `kerastorch.compat`, which makes `keras` the `kerastorch` package
and `keras.X.Y` the module `kerastorch.X.Y` (the same objects), then replaces itself with kerastorch.
"""

_kerastorch_shim = True  # lets kerastorch.compat.install() replace this module

from kerastorch import compat as _compat  # noqa: E402

# The import that loaded this file returns sys.modules["keras"], which is now the kerastorch package.
_compat.install()
