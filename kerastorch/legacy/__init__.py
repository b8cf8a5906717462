"""Keras 1 spellings: rename tables, the Merge layer and other Keras 1-only objects."""
