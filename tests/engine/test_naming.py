"""Export file names: one template for single and batch export, safe on every system."""

from __future__ import annotations

import pytest

from engine.latent import Edit, Latent
from engine.naming import (
    DEFAULT_TEMPLATE,
    MAX_NAME,
    check_template,
    file_name,
    latent_code,
    safe_file_name,
)

SHA = "bd46d6" + "0" * 58
MODEL = "Ganvas default (emoji faces, 64 px)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain.png", "plain.png"),
        ('a<b>c:d"e/f\\g|h?i*j.png', "a_b_c_d_e_f_g_h_i_j.png"),
        ("tab\there\x00.png", "tab_here_.png"),
        ("trailing dots... ", "trailing dots"),
        ("name. .png", "name.png"),
        ("CON.png", "_CON.png"),
        ("nul", "_nul"),
        ("com1.tar.png", "_com1.tar.png"),
        ("console.png", "console.png"),
        ("", "image"),
        ("...", "image"),
        (".png", "image.png"),
    ],
)
def test_safe_file_name_avoids_what_any_system_refuses(text, expected):
    assert safe_file_name(text) == expected


def test_long_names_are_cut_but_keep_their_suffix():
    name = safe_file_name("x" * 400 + ".webp")
    assert len(name) == MAX_NAME and name.endswith("x.webp")


def test_single_and_batch_names_come_from_one_template():
    plain = Latent(seed=42, psi=0.7)
    edited = Latent(seed=42, psi=0.7, edits=[Edit("smile", [0.0, 1.0], 1.5, 0, 4)])
    assert file_name(DEFAULT_TEMPLATE, MODEL, SHA, plain) == (
        "Ganvas-default-(emoji-faces,-64-px)-000042.png"
    )
    assert latent_code(plain) == "000042"
    assert len(latent_code(edited)) == 6 and latent_code(edited) != latent_code(plain)
    assert file_name("{name} {sha}.webp", MODEL, SHA, plain, 3, "my fav?") == (
        "my-fav_ bd46d6000000.webp"
    )
    assert file_name("{name}.png", MODEL, SHA, plain, 3) == "0003.png"
    assert file_name("{model}-{seed:010d}.jpg", "CON", SHA, plain) == "_CON-0000000042.jpg"


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("", "empty"),
        ("{nope}.png", "unknown field"),
        ("{seed:zz}.png", "cannot use"),
        ("{seed.png", "cannot read"),
        ("a/{seed}.png", "folders"),
        ("{seed}.gif", "must end in"),
    ],
)
def test_bad_templates_get_a_plain_complaint(template, complaint):
    with pytest.raises(ValueError, match=complaint):
        check_template(template)
