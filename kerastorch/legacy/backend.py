"""Keras 1 backend settings: `image_dim_ordering()` / `set_image_dim_ordering()` over `image_data_format`."""

from kerastorch import backend

_ORDERINGS = {"th": "channels_first", "tf": "channels_last"}


def image_dim_ordering():
    """The Keras 1 name of the image data format: 'th' (channels_first) or 'tf' (channels_last)."""
    return "th" if backend.image_data_format() == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering):
    """Sets the image data format with its Keras 1 name.

    Args:
        dim_ordering: 'th' (channels_first) or 'tf' (channels_last).
    """
    if dim_ordering not in _ORDERINGS:
        raise ValueError(
            "Expected `dim_ordering` to be 'th' (channels_first) or 'tf' (channels_last). "
            f"Received: dim_ordering={dim_ordering!r}"
        )
    backend.set_image_data_format(_ORDERINGS[dim_ordering])
