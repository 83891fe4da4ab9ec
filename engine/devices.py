"""Which device to train and render on: CUDA > Apple MPS > CPU, unless the user says otherwise."""

from __future__ import annotations

import torch


def pick_device(name: str = "auto") -> torch.device:
    if name in ("auto", "", None):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no CUDA GPU is available on this machine")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("Apple MPS was requested but is not available on this machine")
    if name.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {name!r}: use auto, cpu, cuda or mps")
    return torch.device(name)


def describe_devices() -> list[dict]:
    """Every usable device with a human label, best first (for device choosers)."""
    found = []
    for i in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(i)
        gib = props.total_memory / 2**30
        found.append({"id": f"cuda:{i}", "label": f"{props.name} ({gib:.0f} GiB)"})
    if torch.backends.mps.is_available():
        found.append({"id": "mps", "label": "Apple GPU (MPS)"})
    found.append({"id": "cpu", "label": f"CPU ({torch.get_num_threads()} threads)"})
    return found


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """Mixed precision only on CUDA; bf16 where the GPU supports it."""
    if device.type != "cuda" or precision == "fp32":
        return None
    if precision == "fp16":
        return torch.float16
    if precision == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16
