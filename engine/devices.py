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
    """The autocast dtype for `precision`, or None for plain fp32.

    "auto" is bf16 on CUDA (fp16 on GPUs without bf16) and fp32 elsewhere. On a CPU only an
    explicit "bf16" or "fp16" turns autocast on: it is rarely faster there, but it runs the very
    mixed-precision code a GPU runs, so tests and `gpu_check --tiny` can catch dtype bugs
    without a GPU. MPS stays fp32.
    """
    if precision == "fp32" or device.type not in ("cuda", "cpu"):
        return None
    if precision == "fp16":
        return torch.float16
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cpu":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def grad_scaler(device: torch.device, amp: torch.dtype | None) -> torch.amp.GradScaler:
    """Loss scaling for fp16 autocast only (bf16 has fp32's range and needs none); on the
    autocast device, so that CPU fp16 runs the scaler's real unscale/skip/update path."""
    enabled = amp == torch.float16
    if not hasattr(torch.amp, "GradScaler"):  # torch < 2.3: CUDA only
        return torch.cuda.amp.GradScaler(enabled=enabled and device.type == "cuda")
    return torch.amp.GradScaler(device.type, enabled=enabled)


def use_channels_last(device: torch.device, force: bool | None = None) -> bool:
    """NHWC layout for the networks: what CUDA's tensor-core convolutions want. `force`
    overrides the choice (True on a CPU runs the GPU's layout there, for tests)."""
    return device.type == "cuda" if force is None else force


def images_on_device(device: torch.device, nbytes: int, limit: int = 2 << 30) -> bool:
    """Keep the uint8 training images on the accelerator unless they are large (then each batch
    is gathered on the host and copied over); on a CPU they are already there."""
    return device.type == "cpu" or nbytes <= limit


def distributed_backend(device: torch.device) -> str:
    """torch.distributed backend for one process per `device`: NCCL between GPUs, gloo else."""
    return "nccl" if device.type == "cuda" else "gloo"
