"""The `keras` import shim: same module objects, keras.json settings, `python -m kerastorch.compat`."""

import importlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

import kerastorch
from kerastorch import backend
from kerastorch import compat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def shim():
    compat.install(apply_config=False)
    try:
        yield
    finally:
        compat.uninstall()


def test_keras_modules_are_the_kerastorch_modules(shim):
    import keras
    import keras.layers.core
    from keras import backend as K
    from keras.layers import Dense
    from keras.layers import Merge
    from keras.models import Sequential
    from keras.utils.np_utils import to_categorical

    assert keras is kerastorch and keras.layers is kerastorch.layers and K is kerastorch.backend
    assert keras.layers.core is kerastorch.layers.core and sys.modules["keras.layers.core"] is kerastorch.layers.core
    assert Merge is kerastorch.layers.Merge and Sequential is kerastorch.models.Sequential
    assert isinstance(Dense(2), kerastorch.layers.Dense) and to_categorical is kerastorch.utils.to_categorical
    # The aliased modules keep their own spec (nothing is loaded twice).
    assert kerastorch.layers.core.__spec__.name == "kerastorch.layers.core"
    assert importlib.import_module("keras.engine.base_layer") is kerastorch.engine.layer
    from keras.backend.tensorflow_backend import epsilon

    assert epsilon is backend.epsilon


def test_missing_modules_name_the_keras_module(shim):
    with pytest.raises(ModuleNotFoundError, match="keras.datasets.*kerastorch.datasets") as info:
        importlib.import_module("keras.datasets.mnist")
    assert info.value.name == "keras.datasets"


def test_uninstall_removes_the_aliases():
    compat.install(apply_config=False)
    importlib.import_module("keras.layers")
    compat.uninstall()
    assert "keras" not in sys.modules and "keras.layers" not in sys.modules
    assert not any(isinstance(finder, compat.KerasAliasFinder) for finder in sys.meta_path)


def test_keras_json_settings(tmp_path):
    path = tmp_path / "keras.json"
    path.write_text(json.dumps({"image_dim_ordering": "th", "epsilon": 1e-5, "backend": "theano"}))
    try:
        applied = compat.apply_keras_config(str(path))
        assert applied == {"epsilon": 1e-5, "image_data_format": "channels_first"}
        assert backend.image_data_format() == "channels_first" and backend.epsilon() == 1e-5
    finally:
        backend.set_image_data_format("channels_last")
        backend.set_epsilon(1e-7)
    assert compat.apply_keras_config(str(tmp_path / "missing.json")) == {}
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        compat.apply_keras_config(str(path))


SCRIPT = textwrap.dedent(
    """
    import sys
    import keras, kerastorch
    from keras import backend as K
    from keras.layers.core import Dense
    assert keras is kerastorch and Dense is kerastorch.layers.Dense
    print(__name__, K.image_data_format(), K.image_dim_ordering(), sys.argv[1:])
    """
)


def _run(args, tmp_path, **env):
    script = tmp_path / "old_script.py"
    script.write_text(SCRIPT)
    environment = dict(os.environ, OMP_NUM_THREADS="1", KERAS_HOME=str(tmp_path / "home"), **env)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), ROOT]))
    result = subprocess.run(
        [sys.executable] + [str(script) if a == "SCRIPT" else a for a in args],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_pythonpath_compat_runs_old_scripts(tmp_path):
    output = _run(["SCRIPT", "a", "b"], tmp_path, PYTHONPATH=os.path.join(ROOT, "compat"))
    assert output == "__main__ channels_last tf ['a', 'b']"


def test_python_m_kerastorch_compat(tmp_path):
    output = _run(["-m", "kerastorch.compat", "--image-data-format", "th", "SCRIPT", "--flag", "1"], tmp_path)
    assert output == "__main__ channels_first th ['--flag', '1']"


def test_keras_home_keras_json_applies(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "keras.json").write_text(json.dumps({"image_data_format": "channels_first"}))
    assert _run(["-m", "kerastorch.compat", "SCRIPT"], tmp_path) == "__main__ channels_first th []"
