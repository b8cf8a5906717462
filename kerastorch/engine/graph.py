"""Graph: the layer calls between Inputs and outputs, ordered by depth, run on tensors, and its Keras 2 config.

A layer may return nested outputs (an RNN over stacked cells returns `[output, [h1, c1], h2]`):
its node records them flat, the graph runs them flat, and configs refer to them by their flat
index, as tf.keras 2 does. A layer whose list input is nested the same way (an RNN's
`[inputs, *initial_state]`) defines `_nest_node_inputs(flat)`, and its inbound nodes are written
nested, as tf.keras writes them.
"""

from kerastorch.engine import keras_tensor as kt
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest
from kerastorch.engine import shape_probe


class Graph:
    """The functional graph from `inputs` to `outputs` (lists of KerasTensors).

    `outputs` may nest lists of tensors (the states an RNN returns per cell); the graph's
    `outputs` are then flat, and its config keeps the nesting, as tf.keras writes it.

    Raises ValueError for disconnected graphs, cycles and duplicate layer names.
    """

    def __init__(self, inputs, outputs):
        self.inputs = list(inputs)
        self._output_structure = list(outputs)
        self.outputs = _flatten_lists(self._output_structure)
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, kt.KerasTensor):
                raise TypeError(
                    f"Model inputs and outputs must be tensors returned by Input() or by layers. Received: {tensor!r}"
                )
        for tensor in self.inputs:
            layer, node_index, _ = tensor._keras_history
            if not isinstance(layer, kt.InputLayer) and layer._inbound_nodes[node_index].input_tensors:
                raise ValueError(
                    f"Model inputs must come from `Input()`. Received {tensor!r}, the output of layer '{layer.name}'."
                )
        self._map()
        self._make_plan()

    # -----------------------------------------------------------------------------------------
    def _map(self):
        finished, in_progress = set(), set()
        ordered_nodes = []  # post-order: deepest last
        layer_indices = {}

        def visit(tensor):
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if node in in_progress:
                raise ValueError(f"The tensor {tensor!r} at layer '{layer.name}' is part of a cycle.")
            if node in finished:
                return
            if layer not in layer_indices:
                layer_indices[layer] = len(layer_indices)
            in_progress.add(node)
            for inbound in node.keras_inputs:
                visit(inbound)
            finished.add(node)
            in_progress.discard(node)
            ordered_nodes.append(node)

        for tensor in self.outputs:
            visit(tensor)

        node_depth, layer_depth = {}, {}
        for node in reversed(ordered_nodes):
            depth = node_depth.setdefault(node, 0)
            depth = max(depth, layer_depth.get(node.outbound_layer, 0))
            layer_depth[node.outbound_layer] = depth
            node_depth[node] = depth
            for inbound in node.keras_inputs:
                layer, node_index, _ = inbound._keras_history
                inbound_node = layer._inbound_nodes[node_index]
                node_depth[inbound_node] = max(depth + 1, node_depth.get(inbound_node, 0))

        nodes_by_depth, layers_by_depth = {}, {}
        for node, depth in node_depth.items():
            nodes_by_depth.setdefault(depth, []).append(node)
        for layer, depth in layer_depth.items():
            layers_by_depth.setdefault(depth, []).append(layer)
        # Keep the input layers first even when an input is unused by deeper nodes.
        for tensor in self.inputs:
            layer = tensor._keras_history[0]
            if layer not in layer_depth:
                layer_indices.setdefault(layer, len(layer_indices))
                top = max(layers_by_depth) if layers_by_depth else 0
                layer_depth[layer] = top
                layers_by_depth.setdefault(top, []).append(layer)
                node = layer._inbound_nodes[tensor._keras_history[1]]
                node_depth[node] = top
                nodes_by_depth.setdefault(top, []).append(node)

        layers = []
        for depth in sorted(layers_by_depth, reverse=True):
            layers.extend(sorted(layers_by_depth[depth], key=lambda layer: layer_indices[layer]))
        self.layers = layers
        self.nodes_by_depth = nodes_by_depth
        self.network_nodes = set(node_depth)

        computable = set(id(t) for t in self.inputs)
        accessed = []
        self.ordered_nodes = []
        for depth in sorted(nodes_by_depth, reverse=True):
            for node in nodes_by_depth[depth]:
                if not node.input_tensors:
                    if node.output_tensors[0] not in self.inputs and isinstance(node.outbound_layer, kt.InputLayer):
                        missing = node.output_tensors[0]
                        raise ValueError(
                            f"Graph disconnected: cannot obtain value for tensor {missing!r} at layer "
                            f"'{node.outbound_layer.name}'. The model's inputs do not include this Input; "
                            f"the following previous layers were accessed without issue: {accessed}"
                        )
                    continue
                for tensor in node.keras_inputs:
                    if id(tensor) not in computable:
                        raise ValueError(
                            f"Graph disconnected: cannot obtain value for tensor {tensor!r} at layer "
                            f"'{node.outbound_layer.name}'. The following previous layers were accessed "
                            f"without issue: {accessed}"
                        )
                for tensor in node.output_tensors:
                    computable.add(id(tensor))
                accessed.append(node.outbound_layer.name)
                self.ordered_nodes.append(node)

        names = [layer.name for layer in layers]
        for name in names:
            if names.count(name) != 1:
                raise ValueError(
                    f'The name "{name}" is used {names.count(name)} times in the model. '
                    "All layer names should be unique."
                )
        self.input_layers = [t._keras_history[0] for t in self.inputs]
        self.output_layers = [t._keras_history[0] for t in self.outputs]

    def add_ancillary(self, tensors):
        """Adds the layer calls that compute `tensors` from the graph's tensors without making them outputs.

        They run with the graph on every call, after its other layers (a symbolic `Model.add_loss`,
        as tf.keras 2 inserts its AddLoss layer); their layers follow the graph's in `layers`.
        """
        seen = set(self.network_nodes)
        new_nodes = []

        def visit(tensor):
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if node in seen:
                return
            seen.add(node)
            if not node.input_tensors:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {tensor!r} at layer '{layer.name}': "
                    "it does not come from the model's inputs."
                )
            for inbound in node.keras_inputs:
                visit(inbound)
            new_nodes.append(node)

        for tensor in tensors:
            visit(tensor)
        for node in new_nodes:
            self.ordered_nodes.append(node)
            self.network_nodes.add(node)
            self.nodes_by_depth.setdefault(-1, []).append(node)
            layer = node.outbound_layer
            if layer not in self.layers:
                if any(other.name == layer.name for other in self.layers):
                    raise ValueError(
                        f'The name "{layer.name}" is used 2 times in the model. All layer names should be unique.'
                    )
                self.layers.append(layer)
        self._make_plan()
        return [node.outbound_layer for node in new_nodes]

    def _make_plan(self):
        """A flat list of steps so that run() is a tight loop over layer calls."""
        slots = {}
        for tensor in self.inputs:
            slots[id(tensor)] = len(slots)
        steps = []
        self.uses_masks = False
        for node in self.ordered_nodes:
            layer = node.outbound_layer
            input_slots = [slots[id(t)] for t in node.input_tensors]
            # Symbolic keyword tensors: (KerasTensor, slot) pairs whose values replace them at run time.
            kwarg_slots = [(t, slots[id(t)]) for t in node.kwarg_tensors] or None
            for tensor in node.output_tensors:
                slots[id(tensor)] = len(slots)
            output_slots = [slots[id(t)] for t in node.output_tensors]
            makes_mask = type(layer).compute_mask is not layer_module.Layer.compute_mask
            self.uses_masks = self.uses_masks or makes_mask
            steps.append(
                (layer, input_slots, output_slots, node.call_kwargs, node.input_is_list, makes_mask, kwarg_slots)
            )
        self.steps = steps
        self.num_slots = len(slots)
        self.output_slots = [slots[id(t)] for t in self.outputs]

    # -----------------------------------------------------------------------------------------
    def run(self, inputs, training=None, masks=None, return_masks=False):
        """Runs the graph on a list of torch tensors (one per input); returns the output list."""
        values = [None] * self.num_slots
        for index, tensor in enumerate(inputs):
            values[index] = tensor
        track_masks = self.uses_masks or masks is not None
        mask_values = [None] * self.num_slots if track_masks else None
        if masks is not None:
            for index, mask in enumerate(masks):
                mask_values[index] = mask
        for layer, input_slots, output_slots, kwargs, input_is_list, makes_mask, kwarg_slots in self.steps:
            if input_is_list:
                args = [values[i] for i in input_slots]
            else:
                args = values[input_slots[0]]
            if kwarg_slots is not None:
                args, kwargs = _fill_kwargs(layer, args, input_slots, kwargs, kwarg_slots, values, mask_values)
            call_kwargs = kwargs
            if training is not None and "training" not in kwargs:
                call_kwargs = dict(kwargs, training=training)
            if track_masks:
                in_mask = [mask_values[i] for i in input_slots] if input_is_list else mask_values[input_slots[0]]
                has_mask = any(m is not None for m in in_mask) if input_is_list else in_mask is not None
                if has_mask and layer._call_takes_mask and "mask" not in call_kwargs:
                    call_kwargs = dict(call_kwargs, mask=in_mask)
                outputs = layer(args, **call_kwargs)
                if has_mask or makes_mask:
                    out_mask = layer.compute_mask(args, in_mask if has_mask else None)
                else:
                    out_mask = None
            else:
                outputs = layer(args, **call_kwargs)
                out_mask = None
            if len(output_slots) == 1:
                values[output_slots[0]] = outputs
                if track_masks:
                    mask_values[output_slots[0]] = out_mask[0] if isinstance(out_mask, (list, tuple)) else out_mask
            else:
                # Nested outputs (an RNN's per-cell states) fill the node's flat output slots in order.
                for slot, value in zip(output_slots, nest.flatten(outputs)):
                    values[slot] = value
                if track_masks:
                    out_masks = (
                        nest.flatten(out_mask)
                        if isinstance(out_mask, (list, tuple))
                        else [out_mask] * len(output_slots)
                    )
                    for slot, mask in zip(output_slots, out_masks):
                        mask_values[slot] = mask
        outputs = [values[i] for i in self.output_slots]
        if return_masks:
            return outputs, [mask_values[i] if track_masks else None for i in self.output_slots]
        return outputs

    def symbolic_masks(self, masks=None):
        """The output masks (KerasTensors or None) for input masks `masks` (KerasTensors or None per input).

        Masks go from node to node by the run's rule (`shape_probe.symbolic_output_masks`), as
        tf.keras 2's `compute_mask` on symbolic inputs gives them.
        """
        if masks is None or all(mask is None for mask in masks):
            return [tensor._keras_mask for tensor in self.outputs]
        current = {id(tensor): mask for tensor, mask in zip(self.inputs, masks)}
        for node in self.ordered_nodes:
            inputs = node.unpacked_inputs
            if node.input_is_list:
                in_masks = [current.get(id(tensor)) for tensor in inputs]
            else:
                in_masks = current.get(id(inputs))
            out_masks = shape_probe.symbolic_output_masks(node.outbound_layer, inputs, len(node.output_tensors), in_masks)
            for tensor, mask in zip(node.output_tensors, out_masks):
                current[id(tensor)] = mask
        return [current.get(id(tensor)) for tensor in self.outputs]

    # -----------------------------------------------------------------------------------------
    def _node_key_map(self):
        """Maps (layer, original node index) -> node index within this graph (Keras renumbering)."""
        mapping = {}
        for layer in self.layers:
            # tf.keras counts a nested functional/Sequential model's own input node as node 0.
            kept = 1 if _is_graph_model(layer) else 0
            for original, node in enumerate(layer._inbound_nodes):
                if node in self.network_nodes:
                    mapping[(id(layer), original)] = kept
                    kept += 1
        return mapping

    def get_config(self):
        """The Keras 2 functional config: layers with inbound_nodes, input_layers, output_layers."""
        from kerastorch.saving import serialization

        mapping = self._node_key_map()
        layer_configs = []
        for layer in self.layers:
            inbound = []
            for original, node in enumerate(layer._inbound_nodes):
                if node not in self.network_nodes or not node.input_tensors:
                    continue
                node_data = []
                kwargs = nest.map_structure(
                    lambda value: _tensor_reference(value, mapping) if isinstance(value, kt.KerasTensor) else value,
                    node.call_kwargs,
                )
                for tensor in node.input_tensors:
                    inbound_layer, node_index, tensor_index = tensor._keras_history
                    node_data.append(
                        [inbound_layer.name, mapping.get((id(inbound_layer), node_index), 0), tensor_index, kwargs]
                    )
                nest_inputs = getattr(layer, "_nest_node_inputs", None)
                if nest_inputs is not None and node.input_is_list:
                    node_data = nest_inputs(node_data)
                inbound.append(node_data)
            config = serialization.serialize_layer(layer)
            config["name"] = layer.name
            config["inbound_nodes"] = inbound
            layer_configs.append(config)

        def endpoint(tensor):
            return _tensor_reference(tensor, mapping)

        def endpoints(structure):
            return [endpoints(item) if isinstance(item, (list, tuple)) else endpoint(item) for item in structure]

        return {
            "layers": layer_configs,
            "input_layers": [endpoint(t) for t in self.inputs],
            "output_layers": endpoints(self._output_structure),
        }


def rebuild_from_config(config, custom_objects=None):
    """Re-creates layers and calls from a Keras 2 functional config; returns (inputs, outputs, layers)."""
    from kerastorch.saving import serialization

    created = {}
    pending = []  # (layer, node_data) in creation order
    calls = {}  # layer name -> number of calls recorded in this config
    for layer_data in config["layers"]:
        layer = serialization.deserialize_layer(layer_data, custom_objects=custom_objects)
        name = layer_data.get("name") or layer_data.get("config", {}).get("name")
        created[name] = layer
        calls[name] = len(layer_data.get("inbound_nodes", []))
        for node_data in layer_data.get("inbound_nodes", []):
            if _is_entry(node_data):
                # tf.keras 2 writes a TFOpLambda/SlicingOpLambda call as one bare entry.
                node_data = [node_data]
            pending.append((layer, _normalize_node_data(node_data)))
    input_layers = config["input_layers"]
    output_layers = config["output_layers"]
    if input_layers and isinstance(input_layers[0], str):  # a single [name, node, tensor] entry
        input_layers = [input_layers]
    if output_layers and isinstance(output_layers[0], str):
        output_layers = [output_layers]
    offsets = _nested_model_offsets(
        created, calls, [_flat_entries(d) for _, d in pending], _flat_entries(input_layers + output_layers)
    )

    def node_of(name, node_index):
        if name not in created:
            raise ValueError(f"The model config names layer {name!r}, which is not among its layers.")
        index = node_index - offsets.get(name, 0)
        nodes = created[name]._inbound_nodes
        return nodes[index] if 0 <= index < len(nodes) else None

    while pending:
        progressed = False
        remaining = []
        for layer, node_data in pending:
            entries = _flat_entries(node_data)
            kwargs = entries[-1][3] or {}
            references = [entry[:2] for entry in entries] + [ref[:2] for ref in _kwarg_references(kwargs)]
            if any(node_of(name, index) is None for name, index in references):
                remaining.append((layer, node_data))
                continue
            # Nested entries (an RNN's per-cell initial states) are passed nested, as tf.keras calls the layer.
            tensors = _map_entries(lambda entry: node_of(entry[0], entry[1]).output_tensors[entry[2]], node_data)
            kwargs = _resolve_kwarg_references(kwargs, lambda ref: node_of(ref[0], ref[1]).output_tensors[ref[2]])
            layer(tensors if len(tensors) > 1 or _expects_list(layer) else tensors[0], **kwargs)
            progressed = True
        if not progressed:
            names = sorted({layer.name for layer, _ in remaining})
            raise ValueError(f"Cannot rebuild the model graph: the inputs of layers {names} never become available.")
        pending = remaining

    def tensor_of(entry):
        name, node_index, tensor_index = entry[:3]
        node = node_of(name, node_index)
        if node is None:
            raise ValueError(f"The model config refers to node {node_index} of layer {name!r}, which does not exist.")
        return node.output_tensors[tensor_index]

    inputs = [tensor_of(entry) for entry in input_layers]
    outputs = _map_entries(tensor_of, output_layers)
    return inputs, outputs, list(created.values())


def _tensor_reference(tensor, mapping):
    """`[layer_name, node_index, tensor_index]` of a KerasTensor, node indices renumbered by `mapping`."""
    layer, node_index, tensor_index = tensor._keras_history
    return [layer.name, mapping.get((id(layer), node_index), 0), tensor_index]


def _is_tensor_reference(value):
    """A `[layer_name, node_index, tensor_index]` list among call keyword arguments (tf.keras's convention)."""
    return (
        isinstance(value, (list, tuple))
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(item, int) and not isinstance(item, bool) for item in value[1:])
    )


def _kwarg_references(value):
    """The tensor references among (nested) call keyword arguments read from a config."""
    if _is_tensor_reference(value):
        return [value]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _kwarg_references(item)]
    if isinstance(value, (list, tuple)):
        return [ref for item in value for ref in _kwarg_references(item)]
    return []


def _resolve_kwarg_references(value, resolve):
    """Call keyword arguments with each tensor reference replaced by `resolve(reference)`."""
    if _is_tensor_reference(value):
        return resolve(value)
    if isinstance(value, dict):
        return {key: _resolve_kwarg_references(item, resolve) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_resolve_kwarg_references(item, resolve) for item in value)
    return value


def _fill_kwargs(layer, args, input_slots, kwargs, kwarg_slots, values, mask_values):
    """(args, kwargs) of a step whose keyword arguments hold symbolic tensors: their current values.

    A layer with `_reads_keras_masks` (MultiHeadAttention) reads the masks of its tensor arguments
    from their `_keras_mask` attribute, as tf.keras tensors carry them: views of the tensors carry them.
    """
    reads_masks = mask_values is not None and getattr(layer, "_reads_keras_masks", False)

    def value_of(slot):
        value = values[slot]
        if reads_masks and mask_values[slot] is not None:
            value = value.view_as(value)
            value._keras_mask = mask_values[slot]
        return value

    by_id = {id(tensor): value_of(slot) for tensor, slot in kwarg_slots}
    filled = nest.map_structure(lambda v: by_id[id(v)] if isinstance(v, kt.KerasTensor) else v, kwargs)
    if reads_masks and not isinstance(args, list):
        args = value_of(input_slots[0])
    return args, filled


def _flatten_lists(structure):
    """The leaves of nested lists and tuples, in order."""
    flat = []
    for item in structure:
        flat.extend(_flatten_lists(item) if isinstance(item, (list, tuple)) else [item])
    return flat


def _is_entry(item):
    """A node reference `[layer_name, node_index, tensor_index(, kwargs)]`, not a nested list of them."""
    return isinstance(item, (list, tuple)) and bool(item) and isinstance(item[0], str)


def _flat_entries(structure):
    """The node references of a (possibly nested) list of them, in order."""
    flat = []
    for item in structure:
        flat.extend([item] if _is_entry(item) else _flat_entries(item))
    return flat


def _map_entries(fn, structure):
    """Applies `fn` to each node reference of a (possibly nested) list of them, keeping the nesting."""
    return [fn(item) if _is_entry(item) else _map_entries(fn, item) for item in structure]


def _is_graph_model(layer):
    """A nested functional or Sequential model (tf.keras gives it a node of its own first)."""
    from kerastorch.engine import model as model_module

    return isinstance(layer, model_module.Model) and layer._graph is not None


def _nested_model_offsets(created, calls, node_datas, endpoints):
    """Per nested model, 1 when the config numbers its calls from 1 (tf.keras; Keras 3 for functional
    models) and 0 when from 0 (Keras 3 for Sequential, Keras 2.2): seen from the highest index used."""
    highest = {}
    for node_data in node_datas:
        for name, index, _, _ in node_data:
            highest[name] = max(highest.get(name, -1), index)
    for entry in endpoints:
        highest[entry[0]] = max(highest.get(entry[0], -1), entry[1])
    offsets = {}
    for name, layer in created.items():
        if isinstance(layer, kt.InputLayer) or not _is_graph_model(layer):
            continue
        if calls.get(name, 0) and highest.get(name, -1) >= calls[name]:
            offsets[name] = 1
    return offsets


def _expects_list(layer):
    return bool(getattr(layer, "_expects_list_input", False))


def _normalize_node_data(node_data):
    """Accepts Keras 2 lists `[name, node, tensor, kwargs]` and Keras 3 `{'args': ..., 'kwargs': ...}`."""
    if isinstance(node_data, dict):  # Keras 3 format
        entries = []

        def collect(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                history = value["config"]["keras_history"]
                entries.append([history[0], history[1], history[2], {}])
            elif isinstance(value, (list, tuple)):
                for item in value:
                    collect(item)

        collect(node_data.get("args", []))
        # Keras 3 passes RNN states as keyword tensors; Keras 2 graphs append them to the inputs.
        for key in ("initial_state", "constants"):
            collect(node_data.get("kwargs", {}).get(key))
        kwargs = {k: v for k, v in node_data.get("kwargs", {}).items() if not isinstance(v, (dict, list))}
        if entries:
            entries[-1][3] = kwargs
        return entries
    normalized = []
    for entry in node_data:
        if not _is_entry(entry):  # a nested group (tf.keras: an RNN's per-cell initial states)
            normalized.append(_normalize_node_data(entry))
            continue
        entry = list(entry)
        if len(entry) == 3:
            entry.append({})
        normalized.append(entry)
    return normalized
