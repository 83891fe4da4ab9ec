"""PCA directions (GANSpace) and the breeding recipes: definitions, caching, determinism."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from engine import directions as dirs
from engine.animation import loop_ws
from engine.breeding import (
    Crossbreed,
    Interpolation,
    Mutation,
    Retruncate,
    SeedBlend,
    crossbreed_choice,
    latent_id,
    lattice_point,
    lattice_seed,
    lattice_seeds,
    layer_groups,
    resolve,
)
from engine.config import ModelConfig
from engine.latent import Edit, Latent, StyleMix, latent_ws, seed_ws
from engine.modelfile import save_model, sha256_of
from engine.networks import Generator


@pytest.fixture(scope="module")
def G() -> Generator:
    torch.manual_seed(0)
    cfg = ModelConfig(
        resolution=16, z_dim=32, w_dim=32, mapping_layers=2, channel_base=256, channel_max=32
    )
    g = Generator(cfg).eval().requires_grad_(False)
    g.mapping.w_avg.copy_(g.mapping(torch.randn(512, cfg.z_dim)).mean(0))
    return g


@pytest.fixture
def model_file(tmp_path: Path, G: Generator) -> Path:
    path = tmp_path / "models" / "tiny.safetensors"
    save_model(path, G)
    return path


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("GANVAS_CACHE_DIR", str(path))
    return path


def last(events):
    events = list(events)
    assert "directions" in events[-1]
    return events, events[-1]


def test_pca_directions_are_orthonormal_sorted_and_explain_w(G, model_file):
    events, final = last(dirs.iter_directions(model_file, k=6, samples=3000))
    steps = [e["step"] for e in events[:-1]]
    assert steps[0] == 0 and steps[-1] == 3000 and steps == sorted(steps)  # progress
    d = final["directions"]
    v = torch.tensor(d.vectors)
    assert v.shape == (6, G.cfg.w_dim)
    assert torch.allclose(v @ v.T, torch.eye(6), atol=1e-5)  # orthonormal
    assert d.stds == sorted(d.stds, reverse=True) and d.stds[-1] > 0
    assert 0 < sum(d.explained) <= 1.0 + 1e-6
    # the std really is the spread of w along each direction (fresh samples)
    w = G.mapping(torch.randn(4000, G.cfg.z_dim, generator=torch.Generator().manual_seed(9)))
    proj = (w - w.mean(0)) @ v.T
    for measured, claimed in zip(proj.std(0).tolist(), d.stds, strict=True):
        assert measured == pytest.approx(claimed, rel=0.15)


def test_directions_are_cached_beside_the_model_and_read_back(model_file, monkeypatch):
    _, first = last(dirs.iter_directions(model_file, k=4, samples=2000))
    assert first["cached"] is False
    beside = model_file.with_name(model_file.name + ".directions.json")
    assert first["path"] == beside and beside.is_file()
    assert json.loads(beside.read_text())["model_sha256"] == sha256_of(model_file)

    def no_compute(*_a, **_k):
        raise AssertionError("the second open must read the cache")

    monkeypatch.setattr(dirs, "compute_directions", no_compute)  # would recompute
    events, second = last(dirs.iter_directions(model_file, k=4, samples=2000))
    assert len(events) == 1 and second["cached"] is True
    assert second["directions"].vectors == first["directions"].vectors
    _, fewer = last(dirs.iter_directions(model_file, k=2, samples=2000))  # a prefix is enough
    assert fewer["directions"].vectors == first["directions"].vectors[:2]


def test_cache_goes_to_the_user_cache_when_the_model_folder_is_read_only(
    model_file, cache_dir, monkeypatch
):
    real_write = dirs.write_text_atomic

    def read_only_models(path, text):
        if Path(path).parent == model_file.parent:
            raise PermissionError(13, "Read-only file system", str(path))
        real_write(path, text)

    monkeypatch.setattr(dirs, "write_text_atomic", read_only_models)
    _, first = last(dirs.iter_directions(model_file, k=3, samples=1000))
    sha = sha256_of(model_file)
    assert first["path"] == cache_dir / "directions" / f"{sha}.json"
    _, again = last(dirs.iter_directions(model_file, k=3, samples=1000))
    assert again["cached"] is True


def test_a_changed_model_is_not_served_a_stale_cache(model_file, G):
    _, first = last(dirs.iter_directions(model_file, k=3, samples=1000))
    other = Generator(G.cfg).eval()
    save_model(model_file, other)  # same path, different weights
    _, second = last(dirs.iter_directions(model_file, k=3, samples=1000))
    assert second["cached"] is False
    assert second["directions"].model_sha256 != first["directions"].model_sha256


def test_named_directions_round_trip(tmp_path):
    path = tmp_path / "data" / "directions.json"
    assert dirs.load_named_directions(path) == []
    saved = [
        dirs.NamedDirection("smile", [0.6, 0.8], 1.5, 2, 4),
        dirs.NamedDirection("x", [1, 0], 2),
    ]
    dirs.save_named_directions(path, saved)
    assert dirs.load_named_directions(path) == saved
    path.write_text("{broken")
    with pytest.raises(ValueError, match="cannot read saved directions"):
        dirs.load_named_directions(path)


# --- breeding -----------------------------------------------------------------------------


def test_layer_groups_split_by_resolution():
    g64 = layer_groups(10)  # 64 px: blocks 4, 8, 16, 32, 64
    assert g64 == {"coarse": [0, 1, 2], "middle": [3, 4, 5, 6], "fine": [7, 8, 9]}
    g16 = layer_groups(6)  # 16 px: one block each
    assert g16 == {"coarse": [0], "middle": [1, 2], "fine": [3, 4, 5]}
    for n in (6, 8, 10, 12, 18):
        groups = layer_groups(n)
        assert sorted(sum(groups.values(), [])) == list(range(n))
        assert all(groups.values())


def test_lattice_weights_are_bilinear_and_sum_to_one():
    corners = lattice_seeds(2.25, 3.5)
    assert sum(w for _, w in corners) == pytest.approx(1.0)
    assert dict(corners) == pytest.approx(
        {302: 0.75 * 0.5, 303: 0.25 * 0.5, 402: 0.75 * 0.5, 403: 0.25 * 0.5}
    )
    assert lattice_seeds(5.0, 1.0) == [(105, 1.0)]
    assert lattice_point(lattice_seed(7, 42)) == (7.0, 42.0)


def test_seed_blend_matches_the_bilinear_definition(G):
    [lat] = SeedBlend(2.25, 3.5, psi=0.6).resolve(G)
    expected = sum(w * seed_ws(G, s, 0.6) for s, w in lattice_seeds(2.25, 3.5))
    assert torch.allclose(latent_ws(G, lat), expected, atol=1e-6)
    assert len(lat.parents) == 4
    # on a lattice point the pad gives the plain seed (same pixels as the grid)
    assert SeedBlend(4.0, 1.0, psi=0.6).resolve(G) == [Latent(seed=104, psi=0.6)]


def test_mutation_children_follow_the_definition(G):
    parent = Latent(seed=11, psi=0.7, edits=[Edit([0.1] * 32, 2.0, 1, 3, "e")])
    children = Mutation(parent, strength=0.3, seeds=[5, 6, 7]).resolve(G)
    base = latent_ws(G, parent)
    for seed, child in zip([5, 6, 7], children, strict=True):
        expected = base + 0.3 * (seed_ws(G, seed, 0.7) - base)
        assert torch.allclose(latent_ws(G, child), expected, atol=1e-6)
        assert child.parents == [latent_id(parent)]
    zero = Mutation(parent, strength=0.0, seeds=[1]).resolve(G)[0]
    assert torch.allclose(latent_ws(G, zero), base, atol=1e-6)


def test_crossbreed_takes_each_layer_from_a_parent_then_blends(G):
    parents = [Latent(seed=1), Latent(seed=2, mix=StyleMix(9, [0, 1])), Latent(seed=3)]
    pws = torch.stack([latent_ws(G, p) for p in parents])
    for blend in (0.0, 0.4, 1.0):
        [child] = Crossbreed(parents, seeds=[17], blend=blend).resolve(G)
        choice = crossbreed_choice(G.num_ws, 3, 17)
        assert set(choice) == {0, 1, 2}  # everyone contributes
        expected = torch.stack([pws[c, i] for i, c in enumerate(choice)])
        expected = expected + blend * (pws.mean(0) - expected)
        assert torch.allclose(latent_ws(G, child), expected, atol=1e-6)
        assert child.parents == [latent_id(p) for p in parents]
    with pytest.raises(ValueError, match="two parents"):
        Crossbreed(parents[:1], seeds=[1]).resolve(G)


def test_retruncation_equals_blending_at_the_new_psi(G):
    [at_half] = SeedBlend(0.5, 0.25, psi=0.5).resolve(G)
    [moved] = Retruncate(at_half, 1.2).resolve(G)
    [direct] = SeedBlend(0.5, 0.25, psi=1.2).resolve(G)
    assert torch.allclose(latent_ws(G, moved), latent_ws(G, direct), atol=1e-5)
    plain = Retruncate(Latent(seed=3, psi=0.5), -0.5).resolve(G)
    assert plain == [Latent(seed=3, psi=-0.5)]


def test_interpolation_reuses_the_animation_loop(G):
    keys = [Latent(seed=1, psi=0.7), Latent(seed=2, psi=0.7)]
    frames = Interpolation(keys, 6).resolve(G)
    ws = loop_ws(G, keys, 6, "z")
    assert len(frames) == 6
    for f, w in zip(frames, ws, strict=True):
        assert torch.allclose(latent_ws(G, f), w, atol=1e-6)
    assert torch.allclose(latent_ws(G, frames[0]), latent_ws(G, keys[0]), atol=1e-5)


def test_latent_ids_are_stable_and_resolve_passes_latents_through(G):
    a = Latent(seed=3, psi=0.5)
    assert latent_id(a) == latent_id(Latent.from_dict(json.loads(json.dumps(a.to_dict()))))
    assert latent_id(a) != latent_id(a.replace(psi=0.6))
    assert 0 < latent_id(a) < 2**53
    assert resolve(G, a) == [a]
    assert math.isfinite(SeedBlend(0.3, 0.3, 0.7).resolve(G)[0].ws[0][0])


# --- named directions: naming, storage beside the model, from two images, clamp ---------------


def test_named_directions_rename_save_load_round_trip(model_file: Path):
    a = dirs.NamedDirection("PC1", [1.0, 0.0], 0.5, 1, 3)
    b = dirs.NamedDirection("Smile", [0.0, 1.0], 2.0)
    named = dirs.rename_direction([a, b], "PC1", "Sky")
    assert [d.name for d in named] == ["Sky", "Smile"] and named[0].vector == a.vector
    with pytest.raises(ValueError):
        dirs.rename_direction(named, "Sky", "Smile")  # taken
    with pytest.raises(ValueError):
        dirs.rename_direction(named, "Sky", "  ")
    named = dirs.add_direction(named, dirs.NamedDirection("Smile", [0.6, 0.8], 1.0))
    assert [d.name for d in named] == ["Sky", "Smile", "Smile 2"]

    path = dirs.named_directions_path(model_file)
    assert path.name == "tiny.safetensors.named-directions.json"
    dirs.save_named_directions(path, named)
    assert dirs.load_named_directions(path) == named
    assert dirs.load_named_directions(path.with_name("missing.json")) == []


def test_direction_between_two_images_goes_from_the_first_to_the_second():
    a = [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]  # per-layer w
    b = [[3.0, 4.0, 1.0], [3.0, 4.0, 1.0]]
    d = dirs.direction_between(a, b, "Brighter")
    assert d.name == "Brighter" and d.std == pytest.approx(5.0)
    assert d.vector == pytest.approx([0.6, 0.8, 0.0])
    # strength 1 (one std) moves the first image's w exactly onto the second's
    moved = [x + d.std * v for x, v in zip(a[0], d.vector, strict=True)]
    assert moved == pytest.approx(b[0])
    assert dirs.direction_between([1.0, 2.0], [2.0, 2.0], "").name == "A to B"
    with pytest.raises(ValueError):
        dirs.direction_between(a, a, "Same")


def test_strength_is_clamped_to_the_range_the_pca_saw():
    assert dirs.clamp_strength(10) == dirs.MAX_STRENGTH == 3.0
    assert dirs.clamp_strength(-7.5) == -3.0
    assert dirs.clamp_strength(1.25) == 1.25
