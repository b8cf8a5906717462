"""compat/NAMES.md is generated from the rename tables and must not drift from them."""

import importlib.util
import os

from kerastorch.legacy import interfaces
from kerastorch.legacy import layer_conversions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _generator():
    spec = importlib.util.spec_from_file_location("generate_names", os.path.join(ROOT, "compat", "generate_names.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_names_md_matches_the_tables():
    generator = _generator()
    with open(generator.NAMES_PATH) as handle:
        committed = handle.read()
    assert committed == generator.render(), "compat/NAMES.md is out of date: run `python compat/generate_names.py`."


def test_names_md_lists_every_row():
    text = _generator().render()
    for class_name, conversion in layer_conversions.LAYER_CONVERSIONS.items():
        assert f"### {class_name}" in text
        for row in conversion.rows:
            assert f"| `{row[0]}` |" in text
    for rows in interfaces.METHOD_RENAMES.values():
        for old, new in rows:
            assert f"({old}=...)" in text
    for name in interfaces.REMOVED_METRICS:
        assert f"`{name}`" in text
