"""The engine: Layer, symbolic tensors and graphs, Model and Sequential, compile and the training loop."""
