"""RNN sequence runners: torch's fused kernels with Keras mask semantics, and the exact per-timestep loop."""

import warnings

import torch
from torch.nn.utils import rnn as torch_rnn_utils

# Our kernels are separate Parameters (Keras weights), so cuDNN packs them on each call.
warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous chunk")


def _expand_like(mask_t, value):
    return mask_t.reshape(mask_t.shape + (1,) * (value.dim() - mask_t.dim()))


_TORCH_KERNELS = {"gru": torch.gru, "rnn_tanh": torch.rnn_tanh, "rnn_relu": torch.rnn_relu}


def _torch_kernel(mode, x, states, params, has_biases, train):
    """Runs one fused layer on a batch-major sequence; returns (outputs, final states)."""
    hx = [s.unsqueeze(0).contiguous() for s in states]
    if mode == "lstm":
        outputs, h, c = torch.lstm(x, (hx[0], hx[1]), params, has_biases, 1, 0.0, train, False, True)
        return outputs, [h[0], c[0]]
    outputs, h = _TORCH_KERNELS[mode](x, hx[0], params, has_biases, 1, 0.0, train, False, True)
    return outputs, [h[0]]


def _torch_kernel_packed(mode, packed, states, params, has_biases, train, total_length):
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    hx = [s.unsqueeze(0).index_select(1, sorted_indices) for s in states]
    if mode == "lstm":
        out, h, c = torch.lstm(data, batch_sizes, (hx[0], hx[1]), params, has_biases, 1, 0.0, train, False)
        finals = [h, c]
    else:
        out, h = _TORCH_KERNELS[mode](data, batch_sizes, hx[0], params, has_biases, 1, 0.0, train, False)
        finals = [h]
    finals = [f.index_select(1, unsorted_indices)[0] for f in finals]
    sequence, _ = torch_rnn_utils.pad_packed_sequence(
        torch_rnn_utils.PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices),
        batch_first=True,
        total_length=total_length,
    )
    return sequence, finals


def _run_fused(mode, x, states, params, has_biases, mask, zero_output_for_mask, return_sequences, need_states=True):
    """Fused-kernel sequence with Keras mask semantics; returns (sequence or None, last output, states).

    Masked timesteps are skipped (state kept, previous output repeated, or zeros with
    `zero_output_for_mask`): the valid steps of each sample are moved to the front, the kernel
    runs over them, and the outputs are scattered back to their timesteps. The final output
    state is the output at the last valid step; an LSTM's cell state is not an output, so when
    the final states are needed (`need_states`) LSTMs run the compacted steps as a packed
    sequence. Without `need_states` only the first (output) state is computed; the other
    states are returned as given.
    """
    train = torch.is_grad_enabled()
    timesteps = x.shape[1]
    packed_run = mode == "lstm" and need_states
    if mask is not None:
        mask = mask.to(device=x.device, dtype=torch.bool)
        lengths = mask.sum(1)
        if packed_run:
            lengths_cpu = lengths.cpu()
            if bool((lengths_cpu == timesteps).all()):
                mask = None
    if mask is None:
        sequence, finals = _torch_kernel(mode, x, states, params, has_biases, train)
        return sequence, sequence[:, -1], finals
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)
    compact = x.gather(1, order.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
    has_steps = (lengths > 0).unsqueeze(-1)
    if packed_run:
        packed = torch_rnn_utils.pack_padded_sequence(
            compact, lengths_cpu.clamp(min=1), batch_first=True, enforce_sorted=False
        )
        compact_out, finals = _torch_kernel_packed(mode, packed, states, params, has_biases, train, timesteps)
    else:
        compact_out, _ = _torch_kernel(mode, compact, states, params, has_biases, train)
        last_valid = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, compact_out.shape[-1])
        finals = [compact_out.gather(1, last_valid)[:, 0]] + list(states[1:])
    # A sample whose every step is masked keeps its initial state.
    finals = [torch.where(has_steps, final, initial) for final, initial in zip(finals, states)]
    if return_sequences or zero_output_for_mask:
        position = mask.to(torch.long).cumsum(1) - 1
        gathered = compact_out.gather(1, position.clamp(min=0).unsqueeze(-1).expand(-1, -1, compact_out.shape[-1]))
        keep = mask if zero_output_for_mask else position >= 0
        sequence = torch.where(keep.unsqueeze(-1), gathered, torch.zeros_like(gathered))
        return sequence, sequence[:, -1], finals
    last = torch.where(has_steps, finals[0], torch.zeros_like(finals[0]))
    return None, last, finals


def _run_loop(step, timesteps, states, mask, zero_output_for_mask, return_sequences):
    """Per-timestep loop `output, new_states = step(t, states)` with Keras 2 mask semantics.

    Returns (stacked outputs or None, last output, final states).
    """
    outputs = []
    previous = None
    output = None
    for t in range(timesteps):
        output, new_states = step(t, states)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if mask is not None:
            mask_t = mask[:, t]
            new_states = [torch.where(_expand_like(mask_t, new), new, old) for new, old in zip(new_states, states)]
            if zero_output_for_mask or previous is None:
                fallback = torch.zeros_like(output)
            else:
                fallback = previous
            output = torch.where(_expand_like(mask_t, output), output, fallback)
        states = new_states
        previous = output
        if return_sequences:
            outputs.append(output)
    sequence = torch.stack(outputs, dim=1) if return_sequences else None
    return sequence, output, states
