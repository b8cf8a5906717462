"""`python -m kerastorch.compat [--image-data-format F] old_script.py [args]`: run a Keras script on kerastorch."""

import argparse
import sys

from kerastorch import compat


def main(argv=None):
    """Parses the command line, installs the compatibility layer and runs the script as `__main__`."""
    parser = argparse.ArgumentParser(
        prog="python -m kerastorch.compat",
        description="Run a Keras 1 / Keras 2 script unchanged on kerastorch (`import keras` is kerastorch).",
    )
    parser.add_argument(
        "--image-data-format",
        choices=("channels_first", "channels_last", "th", "tf"),
        help="image layout, overriding keras.json ('th'/'tf' are the Keras 1 names)",
    )
    parser.add_argument("script", help="the Python script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    options = parser.parse_args(argv)
    compat.install()
    if options.image_data_format is not None:
        from kerastorch import backend

        layout = {"th": "channels_first", "tf": "channels_last"}.get(options.image_data_format)
        backend.set_image_data_format(layout or options.image_data_format)
    compat.run_script(options.script, options.args, apply_config=False)


if __name__ == "__main__":
    sys.exit(main())
