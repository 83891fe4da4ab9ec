"""The training loop: one generator function that yields progress; CLI and GUI both drive it.

Closing the generator (GUI stop, Ctrl+C) saves a checkpoint first; running `train` again on the
same run folder resumes exactly where `checkpoints/latest.pt` left off.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import platform
import statistics
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from PIL import Image

from . import __version__
from .augment import AdaptiveProbability, augment, parse_policy
from .checkpoint import load_checkpoint, save_checkpoint
from .config import ModelConfig, TrainConfig
from .dataset import Dataset, scan_folder
from .devices import autocast_dtype, grad_scaler, images_on_device, pick_device, use_channels_last
from .errors import UserError
from .files import append_line, write_atomic, write_text_atomic
from .losses import (
    LogitAverages,
    discriminator_loss,
    distance_consistency,
    generator_loss,
    gradient_penalty,
    lecam_penalty,
    r1_penalty,
)
from .modelfile import ModelFileError, load_model, save_model
from .networks import (
    Discriminator,
    EqualConv2d,
    Fade,
    Generator,
    ReconstructionDecoder,
    grown_state,
)
from .render import render_seeds, tile
from .runs import CHECKPOINT

# Divergence without NaN: a healthy GAN's losses and mean logits stay well under 100 (wgan-gp's
# too), while a run with lr 0.2 reached 1e11-1e17 and saturated every image. Beyond DIVERGED, or
# GROWTH times the median of the last WINDOW steps, training rolls back like on NaN.
DIVERGED, GROWTH, WINDOW = 1e5, 1e3, 50
COARSE_D_PX = 16  # the size the coarse discriminator sees (TrainConfig.coarse_d)


class TrainingError(UserError, RuntimeError):
    """Training cannot go on; the message says why in plain words."""


def _rank_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _average_gradients(params: list[torch.nn.Parameter], world: int) -> None:
    """Data parallelism: one all-reduce of the flattened gradients per phase."""
    grads = [p.grad for p in params if p.grad is not None]
    if world == 1 or not grads:
        return
    flat = torch.cat([g.flatten() for g in grads]) / world
    dist.all_reduce(flat)
    for g, part in zip(grads, flat.split([g.numel() for g in grads])):
        g.copy_(part.view_as(g))


def _shrink(img: torch.Tensor) -> torch.Tensor:
    return F.adaptive_avg_pool2d(img, COARSE_D_PX)


def coarse_state(D: Discriminator) -> dict:
    """D's blocks from COARSE_D_PX down and its head, renamed for a discriminator of that size
    (its fromRGB, which has no counterpart, is left out): a fine-tune's coarse discriminator
    starts knowing what the base's knew at that size."""
    skip = len(D.blocks) - (COARSE_D_PX.bit_length() - 3)  # blocks above COARSE_D_PX
    state = {}
    for key, value in D.state_dict().items():
        if key.startswith("blocks."):
            _, index, rest = key.split(".", 2)
            if int(index) >= skip:
                state[f"blocks.{int(index) - skip}.{rest}"] = value
        elif not key.startswith("fromrgb."):
            state[key] = value
    return state


def _schedule(step: int, every: int) -> bool:
    return every > 0 and step % every == 0


class Trainer:
    """Holds the networks and state of one run; `train()` below drives it."""

    def __init__(self, cfg: TrainConfig, dataset: Dataset, device: torch.device):
        self.cfg, self.dataset, self.device = cfg, dataset, device
        self.rank, self.world = _rank_world()
        self.run_dir = Path(cfg.run_dir)
        cfg.model.resolution = cfg.data.resolution
        cfg.model.img_channels = cfg.data.channels
        torch.manual_seed(cfg.seed)  # identical initial weights on every rank
        self.base = self._load_base() if cfg.base_model else None
        mcfg = cfg.model
        if self.base:  # the base's architecture, at the run's resolution when growing it
            mcfg = dataclasses.replace(self.base.config, resolution=cfg.model.resolution)
        self.growing = self.base is not None and mcfg.resolution > self.base.config.resolution
        self.G = Generator(mcfg).to(device)
        self.D = Discriminator(mcfg).to(device)
        self.grow = None  # the discriminator's fade-in path while growing
        if self.growing:
            self.grow = Fade(self._load_grown(), 0.0)
        elif self.base:
            self.G.load_state_dict(self.base.G.state_dict())
            if self.base.D is not None:
                self.D.load_state_dict(self.base.D.state_dict())
        # FreezeD keeps the base's input-side layers; a grown D's input-side layers are new
        # (random), so freezing them would fix noise in place
        self.D.freeze_blocks(0 if self.growing else cfg.freeze_d)
        # the base generator, frozen: the reference whose variety keep_variety preserves (when
        # growing, the smaller model itself: its blocks are compared with the same lower blocks)
        self.source = None
        if self.base and cfg.keep_variety > 0:
            source = self.base.G if self.growing else self.G
            self.source = copy.deepcopy(source).to(device).eval().requires_grad_(False)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        if use_channels_last(device, cfg.channels_last):
            for net in (self.G, self.D, self.G_ema, self.source):
                if net is not None:
                    net.to(memory_format=torch.channels_last)
        self.d_params = self.D.trainable_parameters()
        if self.grow is not None:
            self.d_params += list(self.grow.fromrgb.parameters())
        self.decoder = None  # the self-supervised discriminator's decoder (cfg.recon)
        if cfg.recon > 0:
            if mcfg.resolution < 16:
                raise TrainingError("the self-supervised discriminator needs 16 px or more")
            torch.manual_seed(cfg.seed + 1)  # its own init; the networks' stays as before
            ch = mcfg.d_channels_at(8)
            self.decoder = ReconstructionDecoder(ch, mcfg.img_channels).to(device)
            self.d_params += list(self.decoder.parameters())
        self.D_coarse = None  # the coarse discriminator (cfg.coarse_d), started as D's low end
        if cfg.coarse_d > 0:
            if mcfg.resolution <= COARSE_D_PX:
                raise TrainingError(f"a coarse discriminator needs more than {COARSE_D_PX} px")
            torch.manual_seed(cfg.seed + 2)  # its own fromRGB; the networks' init stays as before
            self.D_coarse = Discriminator(dataclasses.replace(mcfg, resolution=COARSE_D_PX))
            missing, _ = self.D_coarse.load_state_dict(coarse_state(self.D), strict=False)
            assert all(k.startswith("fromrgb.") for k in missing)
            self.D_coarse = self.D_coarse.to(device)
            self.d_params += list(self.D_coarse.parameters())
        self.opt_G = torch.optim.Adam(self._g_param_groups(), lr=cfg.lr_g, betas=(0.0, 0.99))
        self.opt_D = torch.optim.Adam(self.d_params, lr=cfg.lr_d, betas=(0.0, 0.99))
        self.policy = parse_policy(cfg.augment)
        target = cfg.ada_target if self.policy else None
        self.ada = AdaptiveProbability(cfg.aug_p, target, cfg.ada_kimg)
        # APA's share of pseudo-reals has a controller of its own, fed the same true-real logits
        self.apa = AdaptiveProbability(0.0, cfg.apa_target, cfg.ada_kimg)
        self.logit_avg = LogitAverages()
        res = mcfg.resolution
        self.r1_gamma = cfg.r1_gamma if cfg.r1_gamma is not None else 2e-4 * res * res / cfg.batch
        self.amp = autocast_dtype(device, cfg.precision)
        self.scaler = grad_scaler(device, self.amp)
        # separate streams of randomness so that previews/metrics never disturb training
        self.data_gen = torch.Generator().manual_seed(cfg.seed * 7919 + self.rank + 1)
        self.dev_gen = torch.Generator(device).manual_seed(cfg.seed * 104729 + self.rank + 1)
        on_device = images_on_device(device, dataset.images.nbytes)
        self.images = dataset.images.to(device) if on_device else dataset.images
        self.step, self.nimg, self.lr_scale, self.rollbacks = 0, 0, 1.0, 0
        self.total_img = int(cfg.kimg * 1000)

    def _load_base(self):
        try:
            base = load_model(self.cfg.base_model, with_discriminator=True)
        except ModelFileError as exc:
            raise TrainingError(f"cannot fine-tune: {exc}") from None
        want, got = self.cfg.model, base.config
        same = want.resolution == got.resolution
        if not (same or want.resolution == 2 * got.resolution) or (
            want.img_channels != got.img_channels
        ):
            kind = {3: "RGB", 4: "RGBA"}
            raise TrainingError(
                f"cannot fine-tune: the base model makes {got.resolution} px "
                f"{kind[got.img_channels]} images but the run is set to {want.resolution} px "
                f"{kind[want.img_channels]}; choose resolution {got.resolution} (or "
                f"{2 * got.resolution} to grow it) or start from scratch"
            )
        return base

    def _load_grown(self) -> EqualConv2d:
        """Copy the base into the networks grown to twice its resolution: every lower layer,
        the mapping network and w_avg; → the base's fromRGB, the fade-in path's input."""
        base = self.base
        D_state = base.D.state_dict() if base.D is not None else None
        G_state, D_state, low = grown_state(base.G.state_dict(), D_state)
        top = len(self.G.synthesis.blocks) - 1
        missing, unexpected = self.G.load_state_dict(G_state, strict=False)
        assert not unexpected and all(k.startswith(f"synthesis.blocks.{top}.") for k in missing)
        fromrgb = EqualConv2d(
            base.config.img_channels, base.config.d_channels_at(base.config.resolution), 1
        )
        if D_state is not None:
            missing, unexpected = self.D.load_state_dict(D_state, strict=False)
            assert not unexpected
            assert all(k.startswith(("blocks.0.", "fromrgb.")) for k in missing)
            fromrgb.load_state_dict(low)
        return fromrgb.to(self.device)

    def fade_alpha(self) -> float:
        """The new top layers' share while growing: 0 → 1 over fade_kimg, from the images seen
        (so a resume in the middle of the fade continues it exactly)."""
        if not self.growing:
            return 1.0
        return min(1.0, self.nimg / max(self.cfg.fade_kimg * 1000, 1.0))

    def _apply_fade(self) -> None:
        alpha = self.fade_alpha()
        self.G.synthesis.fade = self.G_ema.synthesis.fade = alpha
        if self.grow is not None:
            self.grow.alpha = alpha

    # --- one optimisation step ---------------------------------------------------------
    def _reals(self) -> torch.Tensor:
        idx = torch.randint(len(self.images), (self.cfg.batch,), generator=self.data_gen)
        x = self.images[idx.to(self.images.device)].to(self.device, non_blocking=True)
        x = x.float() / 127.5 - 1
        if self.cfg.mirror:
            flip = torch.rand(len(x), 1, 1, 1, generator=self.dev_gen, device=self.device) < 0.5
            x = torch.where(flip, x.flip(3), x)
        return x

    def _latents(self) -> tuple[torch.Tensor, tuple[torch.Tensor, int] | None]:
        """z for a batch and, for style-mixing regularisation, maybe a second z and its layer."""
        G, b = self.G, self.cfg.batch
        z = torch.randn(b, G.cfg.z_dim, generator=self.dev_gen, device=self.device)
        mix = None
        if self.cfg.style_mixing > 0:
            u = torch.rand(2, generator=self.dev_gen, device=self.device).tolist()
            if u[0] < self.cfg.style_mixing:
                z2 = torch.randn(b, G.cfg.z_dim, generator=self.dev_gen, device=self.device)
                mix = z2, 1 + int(u[1] * (G.num_ws - 1))
        return z, mix

    @staticmethod
    def _ws(G: Generator, latents: tuple[torch.Tensor, tuple[torch.Tensor, int] | None]):
        z, mix = latents
        ws = G.map(z)
        if mix is not None:
            z2, cut = mix
            ws = torch.cat([ws[:, :cut], G.map(z2)[:, cut:]], dim=1)
        return ws

    def _pseudo_reals(self, reals: torch.Tensor, fakes: torch.Tensor):
        """APA: a share apa.p of the real batch replaced by fakes (another sample's, so no image
        is labelled real and fake at once), R1 included; → (the batch, the mask of the true
        reals, whose logits feed both controllers)."""
        keep = torch.ones(len(reals), dtype=torch.bool, device=reals.device)
        if self.cfg.apa_target is None or self.apa.p <= 0:
            return reals, keep
        keep = torch.rand(len(reals), generator=self.dev_gen, device=self.device) >= self.apa.p
        pseudo = fakes.roll(1, 0).to(reals.dtype)
        return torch.where(keep[:, None, None, None], reals, pseudo), keep

    def _D(self, img: torch.Tensor) -> torch.Tensor:
        return self.D(augment(img, self.policy, self.ada.p, self.dev_gen), self.grow)

    def _D_coarse(self, img: torch.Tensor) -> torch.Tensor:
        return self.D_coarse(_shrink(augment(img, self.policy, self.ada.p, self.dev_gen)))

    def _judge(self, fakes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Both discriminators' logits on one augmentation of the fakes (the coarse one's None
        when it is off)."""
        fakes = augment(fakes, self.policy, self.ada.p, self.dev_gen)
        coarse = self.D_coarse(_shrink(fakes)) if self.D_coarse is not None else None
        return self.D(fakes, self.grow), coarse

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp, enabled=self.amp is not None)

    def train_step(self) -> dict[str, float]:
        cfg, losses = self.cfg, {}
        self._apply_fade()
        reals = self._reals()
        # generator phase
        self.G.requires_grad_(True)
        for p in self.d_params:
            p.requires_grad_(False)
        latents = self._latents()
        feats = [] if self.source is not None else None
        with self._autocast():
            ws = self._ws(self.G, latents)
            # ws[:, 0] is unmixed; fp32 because autocast makes it bf16/fp16
            self.G.mapping.w_avg.lerp_(ws[:, 0].detach().float().mean(0), 0.005)
            fake_logits, coarse_logits = self._judge(self.G.synthesis(ws, feats))
            loss_g = generator_loss(cfg.loss, fake_logits.float())
            if coarse_logits is not None:
                loss_g = loss_g + cfg.coarse_d * generator_loss(cfg.loss, coarse_logits.float())
            if self.source is not None:
                base_feats: list[torch.Tensor] = []
                with torch.no_grad():
                    self.source.synthesis(self._ws(self.source, latents), base_feats)
                dc = distance_consistency(base_feats, feats)
                loss_g = loss_g + cfg.keep_variety * dc
                losses["variety"] = float(dc.detach())
        self.opt_G.zero_grad(set_to_none=True)
        self.scaler.scale(loss_g).backward()
        _average_gradients(list(self.G.parameters()), self.world)
        self.scaler.step(self.opt_G)
        losses["loss_G"] = float(loss_g.detach())
        # discriminator phase
        self.G.requires_grad_(False)
        for p in self.d_params:
            p.requires_grad_(True)
        with self._autocast():
            with torch.no_grad():
                fakes = self.G.synthesis(self._ws(self.G, self._latents()))
            feats = [] if self.decoder is not None else None
            reals, true_real = self._pseudo_reals(reals, fakes)
            real_aug = augment(reals, self.policy, self.ada.p, self.dev_gen)
            real_logits = self.D(real_aug, self.grow, feats).float()
            fake_logits, coarse_fake = self._judge(fakes)
            fake_logits = fake_logits.float()
            loss_d = discriminator_loss(cfg.loss, real_logits, fake_logits)
            if self.D_coarse is not None:
                coarse_real = self.D_coarse(_shrink(real_aug)).float()
                coarse = discriminator_loss(cfg.loss, coarse_real, coarse_fake.float())
                loss_d = loss_d + cfg.coarse_d * coarse
                losses["coarse_D"] = float(coarse.detach())
            if self.decoder is not None:
                redrawn = self.decoder(feats[-2]).float()  # feats[-2]: the 8x8 block
                target = F.interpolate(real_aug.float(), size=redrawn.shape[-2:], mode="area")
                recon = F.l1_loss(redrawn, target)
                loss_d = loss_d + cfg.recon * recon
                losses["recon"] = float(recon.detach())
            if cfg.lecam > 0:
                avg = self.logit_avg
                lecam = lecam_penalty(real_logits, fake_logits, avg.real, avg.fake)
                loss_d = loss_d + cfg.lecam * lecam
                losses["lecam"] = float(lecam.detach())
                avg.update(real_logits, fake_logits)
        if cfg.loss == "wgan-gp":
            gp = gradient_penalty(self._D, reals, fakes, self.dev_gen)
            loss_d = loss_d + cfg.gp_lambda * gp
            losses["gp"] = float(gp.detach())
        self.ada.observe(real_logits[true_real])  # all of them unless APA swapped some
        if cfg.apa_target is not None:
            self.apa.observe(real_logits[true_real])
            losses["apa_p"] = self.apa.p
        self.opt_D.zero_grad(set_to_none=True)
        self.scaler.scale(loss_d).backward()
        if cfg.loss != "wgan-gp" and _schedule(self.step, cfg.r1_interval) and self.r1_gamma > 0:
            # lazy R1: every r1_interval steps, weighted up by the interval (StyleGAN2)
            r1 = r1_penalty(self._D, reals)
            if self.D_coarse is not None:
                # the gradient is taken at the full-size image, so the same gamma is the
                # resolution heuristic's gamma at the coarse size
                r1 = r1 + cfg.coarse_d * r1_penalty(self._D_coarse, reals)
            self.scaler.scale(r1 * (self.r1_gamma / 2 * cfg.r1_interval)).backward()
            losses["r1"] = float(r1.detach())
        _average_gradients(self.d_params, self.world)
        self.scaler.step(self.opt_D)
        self.scaler.update()
        losses["loss_D"] = float(loss_d.detach())
        losses["D_real"] = float(real_logits.detach().mean())
        if not all(math.isfinite(v) for v in losses.values()):
            return losses
        self._update_ema()
        self.step += 1
        self.nimg += cfg.batch * self.world
        if self.step % self.ada.interval == 0:
            self._sync_ada()
            self.ada.step(cfg.batch * self.world * self.ada.interval)
            self.apa.step(cfg.batch * self.world * self.ada.interval)
        return losses

    def _sync_ada(self) -> None:
        if self.world > 1:
            for ctl in (self.ada, self.apa):
                t = torch.tensor([ctl.sign_sum, float(ctl.count)], device=self.device)
                dist.all_reduce(t)
                ctl.sign_sum, ctl.count = float(t[0]), int(t[1])

    @torch.no_grad()
    def _update_ema(self) -> None:
        ema_nimg = self.cfg.ema_kimg * 1000
        if self.cfg.ema_rampup:
            ema_nimg = min(ema_nimg, self.nimg * self.cfg.ema_rampup)
        beta = 0.5 ** (self.cfg.batch * self.world / max(ema_nimg, 1e-8))
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.lerp_(p, 1 - beta)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    # --- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict(),
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict(),
            "ada": self.ada.state_dict(),
            "apa": self.apa.state_dict(),
            "logit_avg": self.logit_avg.state_dict(),
            "grow_fromrgb": self.grow.fromrgb.state_dict() if self.grow else {},
            "decoder": self.decoder.state_dict() if self.decoder else {},
            "D_coarse": self.D_coarse.state_dict() if self.D_coarse else {},
            "step": self.step,
            "nimg": self.nimg,
            "lr_scale": self.lr_scale,
            "rollbacks": self.rollbacks,
            "rng_data": self.data_gen.get_state(),
            "rng_device": self.dev_gen.get_state(),
            "config": self.cfg.to_dict(),
            "version": __version__,
        }

    def load_state_dict(self, state: dict) -> None:
        saved = ModelConfig.from_dict(state["config"]["model"])  # older runs lack newer fields
        if saved.to_dict() != self.G.cfg.to_dict():
            raise TrainingError(
                "the checkpoint in this run folder was made with a different architecture; "
                "use a new run folder"
            )
        for name in ("G", "D", "G_ema"):
            getattr(self, name).load_state_dict(state[name])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.ada.load_state_dict(state["ada"])
        if "apa" in state:  # checkpoints from before APA
            self.apa.load_state_dict(state["apa"])
        if "logit_avg" in state:  # checkpoints from before LeCam
            self.logit_avg.load_state_dict(state["logit_avg"])
        if self.grow is not None:
            self.grow.fromrgb.load_state_dict(state["grow_fromrgb"])
        if self.decoder is not None and state.get("decoder"):
            self.decoder.load_state_dict(state["decoder"])
        if self.D_coarse is not None and state.get("D_coarse"):
            self.D_coarse.load_state_dict(state["D_coarse"])
        self.step, self.nimg = state["step"], state["nimg"]
        self._apply_fade()
        self.rollbacks = state["rollbacks"]
        # the optimisers' saved state carries their old lr: apply this run's (a resume with
        # --lr must take effect), scaled down by any earlier NaN rollbacks
        self.set_lr_scale(state["lr_scale"])
        if self.rank == 0:  # other ranks keep their own streams, seeded by rank
            self.data_gen.set_state(state["rng_data"])
            self.dev_gen.set_state(state["rng_device"])

    def _g_param_groups(self) -> list[dict]:
        """The generator's parameters for its optimiser; the mapping network in a group of its own
        when cfg.mapping_lr scales its learning rate (one group otherwise, as older checkpoints
        have)."""
        if self.cfg.mapping_lr == 1.0:
            return [{"params": list(self.G.parameters())}]
        mapping = list(self.G.mapping.parameters())
        ids = {id(p) for p in mapping}
        rest = [p for p in self.G.parameters() if id(p) not in ids]
        k = self.cfg.mapping_lr
        return [{"params": rest}, {"params": mapping, "lr": self.cfg.lr_g * k, "lr_mul": k}]

    def set_lr_scale(self, scale: float) -> None:
        self.lr_scale = scale
        for opt, lr in ((self.opt_G, self.cfg.lr_g), (self.opt_D, self.cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale * group.get("lr_mul", 1.0)

    def save_checkpoint(self) -> None:
        if self.rank == 0:
            save_checkpoint(self.run_dir / CHECKPOINT, self.state_dict())

    def save_snapshot(self, summary: dict) -> Path:
        path = self.run_dir / "snapshots" / f"snapshot-{self.step:07d}.safetensors"
        if self.rank == 0:
            info = {"name": self.run_dir.name, "training": summary}
            if self.fade_alpha() < 1:
                info["fade"] = self.fade_alpha()  # a snapshot taken while growing
            save_model(path, self.G_ema, self.D, info=info)
        return path

    def preview(self) -> np.ndarray:
        n = self.cfg.preview_seeds
        images = render_seeds(self.G_ema, range(n))
        return tile(images, cols=int(math.ceil(math.sqrt(n))), pad=2)

    def evaluate(self) -> dict[str, float]:
        from .metrics import sliced_wasserstein_distance

        n = min(len(self.dataset.images), 512)
        idx = torch.randperm(len(self.dataset.images), generator=torch.Generator().manual_seed(0))
        reals = self.dataset.images[idx[:n]]
        fakes = torch.from_numpy(render_seeds(self.G_ema, range(10**6, 10**6 + n)))
        return sliced_wasserstein_distance(reals, fakes.permute(0, 3, 1, 2))


def _versions() -> dict:
    return {
        "ganvas": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _append_stats(run_dir: Path, record: dict) -> None:
    append_line(run_dir / "stats.jsonl", json.dumps(record))


def _trim_stats(run_dir: Path, step: int) -> None:
    """Keep one line per step: a resumed or rolled-back run replays the steps after its
    checkpoint, so their old records go (as does a line cut short by a crash)."""
    from .runs import read_stats

    path = run_dir / "stats.jsonl"
    if not path.is_file():
        return
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = read_stats(run_dir, up_to_step=step)
    if len(kept) != len(lines):
        write_text_atomic(path, "".join(json.dumps(r) + "\n" for r in kept))


def _save_png(path: Path, image: np.ndarray) -> None:
    mode = "RGBA" if image.shape[-1] == 4 else "RGB"
    write_atomic(path, lambda tmp: Image.fromarray(image, mode).save(tmp, format="PNG"))


def train(cfg: TrainConfig, dataset: Dataset | None = None) -> Iterator[dict]:
    """Run (or resume) training, yielding progress dicts:

    {"kind": "status", "text"}                        setup stages
    {"kind": "progress", "step", "kimg", "img_per_s", "eta_s", "loss_G", "loss_D", "aug_p", …}
    {"kind": "preview", "step", "image": HxWxC uint8}  fixed-seed grid from the EMA generator
    {"kind": "metric", "step", "swd_mean", …}
    {"kind": "snapshot", "step", "path"}
    {"kind": "message", "level", "text"}              e.g. a NaN rollback
    {"kind": "done", "step", "kimg", "snapshot"}
    """
    run_dir = Path(cfg.run_dir)
    rank, world = _rank_world()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    if device.type == "cpu":
        torch.set_flush_denormal(True)  # denormal floats slow CPU convs severalfold
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", torch.cuda.current_device())
    if dataset is None:
        yield {"kind": "status", "text": f"Reading images from {cfg.data_dir}"}
        dataset = scan_folder(cfg.data_dir, cfg.data)
    if rank == 0:
        for sub in ("previews", "snapshots", "checkpoints"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        dataset.report.write(run_dir / "dataset-report.json")
    ready = f"{len(dataset.images)} images ready"
    if dataset.report.skipped:
        report = run_dir / "dataset-report.json"
        n = dataset.report.skipped
        ready += f", {n} file{'s' if n != 1 else ''} skipped (reasons in {report})"
    yield {"kind": "status", "text": f"{ready}; building networks"}
    trainer = Trainer(cfg, dataset, device)
    ckpt = run_dir / CHECKPOINT
    if ckpt.exists():
        trainer.load_state_dict(load_checkpoint(ckpt, map_location=device))
        yield {"kind": "status", "text": f"Resumed at step {trainer.step}"}
    else:
        if rank == 0:
            run = {
                "config": cfg.to_dict(),
                "dataset": {
                    "fingerprint": dataset.report.fingerprint,
                    "images": len(dataset.images),
                },
                "versions": _versions(),
                "device": str(device),
                "world_size": world,
            }
            write_text_atomic(run_dir / "run.json", json.dumps(run, indent=2))
        trainer.save_checkpoint()  # the state every NaN rollback can return to
    yield from _loop(trainer)


def _loop(t: Trainer) -> Iterator[dict]:
    cfg, run_dir = t.cfg, t.run_dir
    log_start, log_nimg = time.perf_counter(), t.nimg
    sums: dict[str, float] = {}
    count, rate = 0, None
    last_snapshot = None
    recent: deque[float] = deque(maxlen=WINDOW)  # loss sizes for the divergence check
    if t.rank == 0:
        _trim_stats(run_dir, t.step)
    try:
        if t.rank == 0 and t.step == 0:
            image = t.preview()
            _save_png(run_dir / "previews" / "step-0000000.png", image)
            yield {"kind": "preview", "step": 0, "image": image}
        while t.nimg < t.total_img:
            losses = t.train_step()
            problem = _agreed(t, _divergence(losses, recent))
            if problem:
                yield from _rollback(t, problem)
                # the replayed steps must not count towards speed and ETA
                log_start, log_nimg, sums, count = time.perf_counter(), t.nimg, {}, 0
                recent.clear()
                continue
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + v
            count += 1
            done = t.nimg >= t.total_img
            if _schedule(t.step, cfg.log_every) or done:
                now = time.perf_counter()
                rate = (t.nimg - log_nimg) / max(now - log_start, 1e-9)
                eta = (t.total_img - t.nimg) / rate if rate > 0 else None
                record = {
                    "step": t.step,
                    "kimg": round(t.nimg / 1000, 3),
                    "img_per_s": round(rate, 2),
                    "eta_s": round(max(eta, 0.0), 1) if eta is not None else None,
                    "aug_p": round(t.ada.p, 4),
                    "lr_scale": t.lr_scale,
                    "time": time.time(),
                } | {k: round(v / count, 5) for k, v in sums.items()}
                if t.rank == 0:
                    _append_stats(run_dir, record)
                yield {"kind": "progress", "total_kimg": cfg.kimg} | record
                log_start, log_nimg, sums, count = now, t.nimg, {}, 0
            if t.rank == 0 and (_schedule(t.step, cfg.preview_every) or done):
                image = t.preview()
                _save_png(run_dir / "previews" / f"step-{t.step:07d}.png", image)
                yield {"kind": "preview", "step": t.step, "image": image}
            if t.rank == 0 and _schedule(t.step, cfg.metric_every):
                metric = {"step": t.step, "kimg": round(t.nimg / 1000, 3)} | t.evaluate()
                _append_stats(run_dir, {"kind": "metric"} | metric)
                yield {"kind": "metric"} | metric
            if _schedule(t.step, cfg.checkpoint_every) or done:
                t.save_checkpoint()
            if _schedule(t.step, cfg.snapshot_every) or done:
                last_snapshot = t.save_snapshot(_summary(t, rate))
                yield {"kind": "snapshot", "step": t.step, "path": str(last_snapshot)}
    except GeneratorExit:
        t.save_checkpoint()  # stop / window close / Ctrl+C: never lose progress
        raise
    if t.world > 1:
        _check_ranks_agree(t)
    if last_snapshot is None:  # an already finished run: its newest model
        from .runs import snapshots

        found = snapshots(run_dir)
        last_snapshot = found[-1] if found else None
    snapshot = str(last_snapshot) if last_snapshot else None
    yield {"kind": "done", "step": t.step, "kimg": t.nimg / 1000, "snapshot": snapshot}


def _summary(t: Trainer, rate: float | None) -> dict:
    return {
        "step": t.step,
        "kimg": round(t.nimg / 1000, 3),
        "images": len(t.dataset.images),
        "dataset_fingerprint": t.dataset.report.fingerprint,
        "loss": t.cfg.loss,
        "img_per_s": rate,
        "base_model": t.cfg.base_model,
    }


def _divergence(losses: dict[str, float], recent: deque[float]) -> str | None:
    """Why this step's losses (and mean logits) show training has blown up, or None; a healthy
    step's size joins `recent`, the window the growth test compares with."""
    if not all(math.isfinite(v) for v in losses.values()):
        return "NaN/inf losses"
    size = max((abs(v) for v in losses.values()), default=0.0)
    if size > DIVERGED:
        return f"losses as large as {size:.3g}"
    if len(recent) == recent.maxlen and size > 10:
        typical = statistics.median(recent)
        if size > GROWTH * typical:
            return f"losses grew from about {typical:.3g} to {size:.3g}"
    recent.append(size)
    return None


def _agreed(t: Trainer, problem: str | None) -> str | None:
    """Every rank must roll back together (each sees only its own batch's losses)."""
    if t.world == 1:
        return problem
    flag = torch.tensor([1.0 if problem else 0.0], device=t.device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return problem or ("another rank diverged" if flag.item() else None)


def _rollback(t: Trainer, problem: str = "NaN/inf losses") -> Iterator[dict]:
    """NaN/inf or divergence: return to the last checkpoint with half the learning rate, a
    bounded number of times, then stop with a reason instead of looping."""
    t.rollbacks += 1
    if t.rollbacks > t.cfg.max_rollbacks:
        raise TrainingError(
            f"training became numerically unstable ({problem}) {t.rollbacks} times, even "
            f"after lowering the learning rate; stopped at step {t.step}. Try a lower learning "
            "rate, a larger batch or the hinge loss. The last good checkpoint is kept."
        )
    rollbacks, scale = t.rollbacks, t.lr_scale * 0.5
    t.load_state_dict(load_checkpoint(t.run_dir / CHECKPOINT, map_location=t.device))
    t.rollbacks = rollbacks
    t.set_lr_scale(scale)
    text = (
        f"Training diverged ({problem}); rolled back to step {t.step} with learning rate "
        f"×{scale:g} (attempt {rollbacks} of {t.cfg.max_rollbacks})"
    )
    if t.rank == 0:
        _trim_stats(t.run_dir, t.step)
        record = {"kind": "rollback", "step": t.step, "lr_scale": scale, "reason": problem}
        _append_stats(t.run_dir, record)
    yield {"kind": "message", "level": "warning", "text": text}


def _check_ranks_agree(t: Trainer) -> None:
    """All ranks must hold identical weights; a silent divergence would corrupt the run."""
    checksum = torch.stack([p.double().sum() for p in t.G_ema.parameters()]).sum().reshape(1)
    gathered = [torch.zeros_like(checksum) for _ in range(t.world)]
    dist.all_gather(gathered, checksum.to(t.device))
    values = [float(g) for g in gathered]
    if t.rank == 0:
        _append_stats(t.run_dir, {"kind": "ddp", "world": t.world, "checksums": values})
    if max(values) - min(values) > 1e-6 * max(1.0, abs(values[0])):
        raise TrainingError(f"data-parallel ranks disagree on the weights: {values}")
