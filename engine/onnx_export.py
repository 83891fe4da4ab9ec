"""Generator → ONNX (inputs z [B, z_dim] and psi [1]; output image [B, C, H, W] in [-1, 1])."""

from __future__ import annotations

import io
from pathlib import Path

import torch
from torch import nn

from .files import write_bytes_atomic
from .networks import Generator


class _GeneratorWithTruncation(nn.Module):
    def __init__(self, G: Generator):
        super().__init__()
        self.G = G

    def forward(self, z: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        w = self.G.mapping(z)
        w = self.G.w_avg + psi * (w - self.G.w_avg)
        return self.G.synthesis(w[:, None, :].expand(-1, self.G.num_ws, -1))


def export_onnx(G: Generator, path: Path | str, opset: int = 17) -> Path:
    try:
        import onnx  # noqa: F401  (the exporter needs it; say so plainly)
    except ImportError:
        raise ValueError(
            "ONNX export needs the optional packages: pip install 'ganvas[onnx]'"
        ) from None
    model = _GeneratorWithTruncation(G.cpu().eval())
    z = torch.randn(2, G.cfg.z_dim)
    psi = torch.ones(1)

    buffer = io.BytesIO()  # exported in memory, then written atomically (a full disk is reported)
    torch.onnx.export(
        model,
        (z, psi),
        buffer,
        input_names=["z", "psi"],
        output_names=["image"],
        dynamic_axes={"z": {0: "batch"}, "image": {0: "batch"}},
        opset_version=opset,
        dynamo=False,
    )
    write_bytes_atomic(path, buffer.getvalue())
    return Path(path)
