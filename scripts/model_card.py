"""Measure a model for its model card: the numbers (engine/evaluate.py) and a sample grid PNG.

SWD (ProGAN's, ×1e3) of the model vs real images is reported next to two references that give
the number meaning: an untrained generator of the same architecture (the ceiling) and two
disjoint halves of the real images (the floor). The numbers go into resources/models/*.md.

    python scripts/model_card.py [--model resources/models/default.safetensors] [--data data/emoji]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.evaluate import evaluate_model  # noqa: E402
from engine.modelfile import load_model  # noqa: E402
from engine.render import render_seeds, tile  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default=str(ROOT / "resources/models/default.safetensors"))
    p.add_argument("--data", default=str(ROOT / "data/emoji"))
    p.add_argument("--n", type=int, default=600, help="images per SWD set")
    p.add_argument("--json", help="also write the numbers here")
    args = p.parse_args()
    start = time.time()
    numbers = evaluate_model(args.model, args.data, args.n)
    model = load_model(args.model)
    grid = tile(render_seeds(model.G, range(64), 0.7), cols=8, pad=2)
    sample = Path(args.model).with_name(Path(args.model).stem + "-samples.png")
    Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(sample)
    print(json.dumps(numbers | {"seconds": round(time.time() - start, 1)}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2))


if __name__ == "__main__":
    main()
