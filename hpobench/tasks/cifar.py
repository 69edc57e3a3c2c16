"""``task=cifar``: a ResNet-9 on CIFAR-10, epochs as fidelity.

The network is D. Page's ResNet-9 ("How to train your ResNet", Myrtle.ai
blog, 2018; the DAWNBench winner of its time) with its base width as a
hyperparameter; the augmentation (random horizontal flips and translations
of up to 2 pixels, drawn per image) and the piecewise-linear "onecycle"
schedule follow K. Jordan's airbench ("94% on CIFAR-10 in 3.29 seconds on a
single GPU", 2024). Page reports 94% test accuracy for base width 64 after
24 epochs; what this task's defaults (10 epochs) reach on CIFAR-10 has not
been measured yet (on an H200 the network trains at about 58,000 images/s:
``scripts/bench_training_throughput.py``, docs/benchmarks-training.md).

Loss is the validation error on images held out from the official training
set (fixed by ``split_seed`` for all trials); ``test_loss`` is the error on
the official 10,000 test images.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from hpobench.space import Categorical, Param
from hpobench.tasks.cifar_data import load_cifar10
from hpobench.tasks.torch_training import GlobalMaxPool, TorchTrainingTask, positive_ints

# Per-channel mean and standard deviation of the CIFAR-10 training images.
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32).reshape(1, 3, 1, 1)
SHIFT = 2  # largest translation, in pixels, of the augmentation


def conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class Residual(nn.Module):
    """x + f(x): two conv-BN-ReLU blocks around a skip connection."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv_bn(channels, channels), conv_bn(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNet9(nn.Sequential):
    """Page's ResNet-9: prep, three stages of conv + max-pool (two with a
    residual block), global max-pool and a linear classifier whose output is
    scaled by 1/8, which Page found to stabilise training at high learning
    rates. Base width 64 gives his 6.5 M parameter network.
    """

    def __init__(self, width: int = 64, classes: int = 10):
        w = width
        super().__init__(
            conv_bn(3, w),
            conv_bn(w, 2 * w), nn.MaxPool2d(2), Residual(2 * w),
            conv_bn(2 * w, 4 * w), nn.MaxPool2d(2),
            conv_bn(4 * w, 8 * w), nn.MaxPool2d(2), Residual(8 * w),
            GlobalMaxPool(), nn.Flatten(), nn.Linear(8 * w, classes, bias=False), Scale(0.125),
        )


class Scale(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


def flip_and_translate(x: torch.Tensor, generator: torch.Generator, shift: int = SHIFT) -> torch.Tensor:
    """Mirror each image with probability 1/2 and move it by up to ``shift``
    pixels each way (reflection padding), all in a few batched tensor ops.

    The draws come from ``generator`` on the CPU and are then moved to the
    images' device, so the augmentation is the same on every device.
    """
    n, _, h, w = x.shape
    flip = (torch.rand(n, generator=generator) < 0.5).to(x.device)
    dy, dx = torch.randint(0, 2 * shift + 1, (2, n), generator=generator).to(x.device)
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = nn.functional.pad(x, (shift, shift, shift, shift), mode="reflect")
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, :, None]  # n x h x 1
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, :]  # n x 1 x w
    batch = torch.arange(n, device=x.device)[:, None, None]
    out = padded[batch, :, rows, cols]  # advanced indexing puts the channel axis last: n x h x w x c
    return out.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last if x.is_cuda else
                                              torch.contiguous_format)


class Cifar(TorchTrainingTask):
    """Validation error of a ResNet-9 on CIFAR-10 after ``fidelity`` epochs.

    Args:
        data_dir: folder holding ``cifar-10-batches-py`` (or the official
            archive); None: ``$XDG_CACHE_HOME/hpobench/cifar10``, downloaded
            there on first use.
        widths: the choices of the base width parameter (64 is Page's).
        augment: random flips and translations of the training images.
        **settings: the trainer's settings, see ``TorchTrainingTask``.
    """

    lr_range = (1e-3, 2.0)

    def __init__(self, data_dir: str | None = None, widths: tuple[int, ...] = (16, 32, 64), augment: bool = True,
                 **settings: Any):
        super().__init__(**settings)
        self.data_dir = data_dir
        self.widths = widths
        self.augment_images = augment

    def model_space(self) -> dict[str, Param]:
        return {"width": Categorical(positive_ints(self.widths, "task.widths"))}

    def model_defaults(self) -> dict[str, Any]:
        return {"width": max(positive_ints(self.widths, "task.widths"))}

    def build_model(self, config: dict[str, Any]) -> nn.Module:
        return ResNet9(int(config["width"]))

    def augment(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return flip_and_translate(x, generator) if self.augment_images else x

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        x_train, y_train, x_test, y_test = load_cifar10(self.data_dir)
        return _normalise(x_train), y_train, _normalise(x_test), y_test


def _normalise(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / 255.0 - MEAN) / STD
