"""A functional Model and its Graph: set-up from inputs/outputs, call inputs matched to the graph inputs, runs."""

from kerastorch.engine import graph as graph_module
from kerastorch.engine import nest
from kerastorch.engine import shape_probe


def init_graph(model, inputs, outputs):
    """Makes `model` the functional model of `inputs` -> `outputs`: its graph, its layers, its input shape."""
    model._nested_inputs = inputs
    model._nested_outputs = outputs
    input_list = flatten_io(inputs)
    output_list = (
        [outputs[key] for key in sorted(outputs)]
        if isinstance(outputs, dict)
        else (list(outputs) if isinstance(outputs, (list, tuple)) else [outputs])
    )
    model._graph = graph_module.Graph(input_list, output_list)
    model._is_graph_network = True
    for old in list(model._modules):
        del model._modules[old]
    for layer in model._graph.layers:
        model._track_layer(layer)
    model.built = True
    model._build_input_shape = [t.shape for t in input_list] if len(input_list) > 1 else input_list[0].shape
    if model._compile_args is not None:
        model._make_compiled()


def flatten_io(structure):
    """Model inputs/outputs as a flat list: a dict gives its values by sorted key, as tf.keras 2 does."""
    if isinstance(structure, dict):
        return [structure[key] for key in sorted(structure)]
    return list(structure) if isinstance(structure, (list, tuple)) else [structure]


def pack_like_io(structure, flat):
    """`flat` (one value per model input/output) shaped like `structure`: a dict when it is one."""
    if isinstance(structure, dict):
        return {key: flat[index] for index, key in enumerate(sorted(structure))}
    return flat[0] if len(flat) == 1 and not isinstance(structure, (list, tuple)) else list(flat)


def pack_outputs(model, flat):
    """The graph's flat outputs as the model returns them: one value, a list, a dict, or lists nested as its outputs."""
    if model._graph is not None and isinstance(model._nested_outputs, dict):
        return pack_like_io(model._nested_outputs, list(flat))
    if model._graph is not None and nest.is_nested_list(model._nested_outputs):
        return nest.pack_like(list(model._nested_outputs), list(flat))
    return flat[0] if len(flat) == 1 else list(flat)


def standardize_call_inputs(model, inputs):
    """The list of input tensors, in graph order, from a tensor, a list or a dict keyed by input name."""
    graph_inputs = model._graph.inputs
    if isinstance(inputs, dict):
        # A model built on a dict of Inputs is called with the same keys; otherwise keys are input names.
        nested = model._nested_inputs
        names = sorted(nested) if isinstance(nested, dict) else model.input_names
        missing = [n for n in names if n not in inputs]
        if missing:
            raise ValueError(
                f"Missing input(s) {missing} for model '{model.name}'. Received keys: {list(inputs)}; "
                f"expected keys: {names}"
            )
        return [inputs[n] for n in names]
    if isinstance(inputs, (list, tuple)):
        if len(inputs) != len(graph_inputs):
            raise ValueError(
                f"Model '{model.name}' expects {len(graph_inputs)} input(s), but it received {len(inputs)} "
                f"input tensors."
            )
        return list(inputs)
    if len(graph_inputs) != 1:
        raise ValueError(f"Model '{model.name}' expects {len(graph_inputs)} inputs, but it received a single tensor.")
    return [inputs]


def run(model, inputs, training, mask):
    """The body of `Model.call`: the outputs of the functional graph for `inputs`."""
    if model._graph is None:
        raise TypeError(
            f"Model '{model.name}' has no graph: pass `inputs` and `outputs` to Model(), or subclass "
            "Model and implement call()."
        )
    tensors = standardize_call_inputs(model, inputs)
    masks = None
    if mask is not None:
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
    return pack_outputs(model, model._graph.run(tensors, training=training, masks=masks))


def refined_output_shapes(model, input_shape):
    """The output shapes for `input_shape` where it knows dimensions the graph's inputs leave None, else None.

    A model called on a tensor with more known dimensions than its own inputs (a Sequential
    starting with an Embedding without `input_length`, called on `Input((10,))`) gives the
    shapes its layers compute for that tensor, as Keras 2 re-runs its layers on a new input.
    """
    shapes = (
        input_shape
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list))
        else [input_shape]
    )
    graph_inputs = model._graph.inputs
    if len(shapes) != len(graph_inputs):
        return None
    refines = False
    for given, tensor in zip(shapes, graph_inputs):
        if given is None or len(given) != len(tensor.shape):
            return None
        refines = refines or any(own is None and dim is not None for own, dim in zip(tensor.shape[1:], given[1:]))
    if not refines:
        return None
    probe_shape = [tuple(s) for s in shapes] if len(shapes) > 1 else tuple(shapes[0])
    try:
        refined, _ = shape_probe.probe(model, probe_shape, [t.dtype for t in graph_inputs], {})
    except (RuntimeError, NotImplementedError, ValueError, TypeError):
        return None
    return refined


def compute_mask(model, inputs, mask):
    """The body of `Model.compute_mask`: the output masks of the graph (None for subclassed models)."""
    if model._graph is None:
        return None
    tensors = standardize_call_inputs(model, inputs)
    masks = None if mask is None else (mask if isinstance(mask, (list, tuple)) else [mask])
    if not model._graph.uses_masks and masks is None:
        return None
    _, out_masks = model._graph.run(tensors, masks=masks, return_masks=True)
    return pack_outputs(model, out_masks)
