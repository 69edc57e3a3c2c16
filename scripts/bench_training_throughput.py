"""Training throughput (images per second) of the torch tasks' real trainer, on synthetic tensors.

Runs ``task.evaluate`` of ``task=cifar`` (ResNet-9) and ``task=digits`` on
random images of the right shape, so it needs no data set, and reports
training images per second (the trial's ``cost`` covers the training steps
and the validation pass, as in a real run). A first, untimed trial warms up
(allocations, cuDNN's algorithm search); the reported number is the median of
``--repeats`` timed trials.

    python scripts/bench_training_throughput.py                      # CPU, small settings
    python scripts/bench_training_throughput.py --device cuda --images 50000

On CUDA each row is measured with the tasks' deterministic algorithms (their
default, ``task.deterministic=true``) and with cuDNN's benchmarked fastest
ones (``false``), so the table shows what bit-for-bit reproducibility costs.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from hpobench.tasks.cifar import Cifar
from hpobench.tasks.digits import Digits
from hpobench.trial import Trial

CONFIG = {"lr": 0.2, "weight_decay": 5e-4, "momentum": 0.9, "label_smoothing": 0.2, "schedule": "onecycle"}


def synthetic(n: int, shape: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape), dtype=np.float32), rng.integers(0, 10, n)


class SyntheticCifar(Cifar):
    """``task=cifar`` on random 3x32x32 images: the same model, augmentation and trainer."""

    def __init__(self, images: int, **settings):
        super().__init__(**settings)
        self.images = images

    def load_arrays(self):
        return *synthetic(self.images, (3, 32, 32)), *synthetic(64, (3, 32, 32), seed=1)


class SyntheticDigits(Digits):
    def __init__(self, images: int, **settings):
        super().__init__(**settings)
        self.images = images

    def load_arrays(self):
        return *synthetic(self.images, (1, 8, 8)), *synthetic(64, (1, 8, 8), seed=1)


def measure(task, config: dict, repeats: int) -> tuple[float, float]:
    """Median training images per second over ``repeats`` one-epoch trials, and the setup seconds."""
    tic = time.perf_counter()
    task.attach(None)
    task.evaluate(Trial(0, config, 1), seed=0)  # warm-up
    setup = time.perf_counter() - tic
    speeds = [task.evaluate(Trial(i + 1, config, 1), seed=i).info["images_per_second"] for i in range(repeats)]
    task.release()
    return statistics.median(speeds), setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--tasks", default="cifar,digits", help="comma-separated: cifar, digits")
    parser.add_argument("--images", type=int, default=None, help="training images per epoch "
                        "(default: 50000 on CUDA; 1024 for cifar and 1150 for digits on CPU)")
    parser.add_argument("--widths", default="16,64", help="cifar base widths to measure")
    parser.add_argument("--batch", type=int, default=512, help="cifar batch size (digits uses 64)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--deterministic", default="true,false",
                        help="on CUDA: task.deterministic values to measure, comma-separated (the CPU is always)")
    args = parser.parse_args()

    on_gpu = args.device != "cpu" and torch.cuda.is_available()
    device = torch.cuda.get_device_name() if on_gpu else f"CPU ({platform.processor() or platform.machine()}, " \
                                                            f"{args.threads or torch.get_num_threads()} threads)"
    print(f"torch {torch.__version__} on {device}")
    print("| task | width | batch | images/epoch | deterministic | training images/s | setup s |")
    print("|---|---|---|---|---|---|---|")
    modes = [m.strip() == "true" for m in args.deterministic.split(",")] if on_gpu else [True]
    common = {"device": args.device, "threads": args.threads, "val_fraction": 0.02, "max_epochs": 2}
    for name in args.tasks.split(","):
        if name not in ("cifar", "digits"):
            parser.error(f"unknown task {name!r}")
        widths = [int(w) for w in args.widths.split(",")] if name == "cifar" else [16]
        for width in widths:
            for deterministic in modes:
                if name == "cifar":
                    batch, model = args.batch, "cifar (ResNet-9)"
                    task = SyntheticCifar(args.images or (50_000 if on_gpu else 1024), widths=(width,),
                                          batch_sizes=(batch,), deterministic=deterministic, **common)
                else:
                    batch, model = 64, "digits (CNN)"
                    task = SyntheticDigits(args.images or 1150, batch_sizes=(batch,), deterministic=deterministic,
                                           **common)
                speed, setup = measure(task, {**CONFIG, "batch_size": batch, "width": width}, args.repeats)
                print(f"| {model} | {width} | {batch} | {len(task.data.y_train)} | "
                      f"{'yes' if deterministic else 'no'} | {speed:,.0f} | {setup:.1f} |")


if __name__ == "__main__":
    main()
