"""The shared trainer of the PyTorch tasks (``cifar``, ``digits``).

Fast by construction, after the fast CIFAR-10 training literature (D. Page,
"How to train your ResNet", 2018; K. Jordan, "94% on CIFAR-10 in 3.29 seconds
on a single GPU" / airbench, 2024): the whole data set lives as tensors on the
device and batches are taken by indexing with a seeded permutation, with no
DataLoader workers; on CUDA the model and images are channels-last and the
forward pass runs under autocast (bf16 where supported, else fp16 with a
gradient scaler).

Training is SGD with Nesterov momentum, coupled weight decay and label
smoothing. The learning rate follows a schedule over the task's *maximum*
number of epochs, whatever the trial's fidelity: a trial at 3 of 10 epochs is
the first 3 epochs of a 10-epoch run. That is what makes a continuation (a
trial with a ``parent``) exactly the training the parent would have done had
it gone on, which Hyperband promotions and PBT rely on; the price is that a
low-fidelity trial is judged before its learning rate has annealed.

Randomness: the trial seed fixes the weight initialisation (a CPU generator,
so every device starts from the same weights) and the data order and
augmentation (a second CPU generator whose draws are moved to the device). A
continuation ignores its own seed and carries on with its parent's saved
generator. The validation split and the training subset are fixed by
``split_seed``, a task setting, not by the trial seed, so that every trial of
a run (and every run) is scored on the same images and losses are comparable.

Determinism: on the CPU, the same seed gives bitwise the same losses in the
same process setup (same torch build and thread count), and a continuation
gives bitwise the state of uninterrupted training. On CUDA the same holds
with ``deterministic=True`` (the default): cuDNN and cuBLAS use their
deterministic algorithms (PyTorch's ``use_deterministic_algorithms``; the
global max-pool is an ``amax``, whose backward needs no atomic adds, unlike
``AdaptiveMaxPool2d``'s). ``deterministic=False`` lets cuDNN benchmark and
keep its fastest algorithms, some of which add with atomics in an order that
varies, so losses agree only to within run-to-run noise; data order and
initial weights are still exact.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.space import Categorical, Float, Param, Space
from hpobench.tasks.base import Task
from hpobench.tasks.checkpoints import CheckpointStore
from hpobench.trial import Result, Trial

SCHEDULES = ("onecycle", "cosine")
EVAL_BATCH = 1024


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when available; ``cuda`` without a GPU is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda") and not str(name).startswith("cuda:"):
        raise UserError(f"device must be auto, cpu or cuda, got {name!r}; set device=auto.")
    if str(name).startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"device={name} was asked for but torch sees no CUDA GPU; set device=auto or device=cpu.")
    return torch.device(name)


def positive_ints(values: Any, name: str) -> tuple[int, ...]:
    """``values`` (a list from YAML) as a tuple of positive integers, or a UserError naming ``name``."""
    items = tuple(values) if isinstance(values, Sequence) and not isinstance(values, str) else ()
    if not items or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in items):
        raise UserError(f"{name} must be a list of positive integers, got {values!r}.")
    return items


def lr_factor(progress: float, schedule: str) -> float:
    """The learning rate as a fraction of its peak, at ``progress`` in [0, 1] of the full run.

    ``onecycle``: linear warm-up over the first 20% then linear decay to zero,
    the piecewise-linear schedule of Page's ResNet-9 and of airbench.
    ``cosine``: a 5% linear warm-up then half a cosine down to zero
    (Loshchilov & Hutter, "SGDR", ICLR 2017, without restarts).
    """
    if schedule == "onecycle":
        peak = 0.2
        return progress / peak if progress < peak else max(0.0, (1 - progress) / (1 - peak))
    if schedule == "cosine":
        warm = 0.05
        if progress < warm:
            return progress / warm
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - warm) / (1 - warm))))
    raise ValueError(f"unknown schedule {schedule!r}; expected one of {SCHEDULES}")


def trial_streams(seed: int) -> tuple[int, int]:
    """Two independent seeds from the trial seed: weight initialisation, and data order with augmentation."""
    return tuple(int(child.generate_state(1, np.uint64)[0]) for child in np.random.SeedSequence(seed).spawn(2))


def init_weights(model: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation of convolutions and linear layers
    (He-uniform with a = sqrt(5), bias uniform in +-1/sqrt(fan_in)), drawn from
    ``generator`` instead of the global random state."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            if module.bias is not None:
                bound = 1 / math.sqrt(module.weight[0].numel())
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)


class GlobalMaxPool(nn.Module):
    """The maximum over each channel's whole map (N x C x 1 x 1), as ``nn.AdaptiveMaxPool2d(1)`` computes it,
    but with a backward pass that CUDA runs deterministically (AdaptiveMaxPool2d's scatters with atomic adds)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3), keepdim=True)


def configure_cuda(deterministic: bool) -> None:
    """cuDNN and cuBLAS for this process: their deterministic algorithms, or the fastest that cuDNN finds by
    benchmarking (the shapes are fixed, so it searches once per shape)."""
    if deterministic:  # cuBLAS is deterministic only with a fixed workspace, read when it starts in this process
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    torch.use_deterministic_algorithms(deterministic)


@dataclass
class Splits:
    """Images (float, N x C x H x W, normalised) and integer labels of each split."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def to(self, device: torch.device, channels_last: bool) -> Splits:
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        return Splits(*(t.to(device, memory_format=fmt) if t.dim() == 4 else t.to(device) for t in
                        (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test)))


def split(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, val_fraction: float,
          subset: int | None, seed: int) -> Splits:
    """Hold out ``val_fraction`` of the training images for validation and keep
    ``subset`` of the rest for training, both by one permutation from ``seed``."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = round(val_fraction * len(x))
    val, train = order[:n_val], order[n_val:]
    if subset is not None:
        train = train[:subset]
    if n_val < 1 or len(train) < 2:
        raise UserError(f"{len(x)} training images leave {n_val} for validation and {len(train)} for training; "
                        f"raise task.val_fraction or task.subset.")
    t = torch.from_numpy
    return Splits(t(x[train]), t(y[train]), t(x[val]), t(y[val]), t(x_test), t(y_test))


class TorchTrainingTask(Task):
    """Base of the torch tasks: the space of the optimiser, the training loop,
    checkpoints. Subclasses give the data, the model and its part of the space.

    Args:
        device: ``auto``, ``cpu`` or ``cuda``.
        min_epochs: the smallest fidelity.
        max_epochs: full fidelity, and the horizon of the learning-rate schedule.
        val_fraction: share of the training images held out for validation.
        subset: train on this many of the remaining training images (None: all).
        split_seed: fixes the validation split and the subset, for all trials.
        batch_sizes: the choices of the ``batch_size`` parameter.
        keep_checkpoints: bound on checkpoints kept during a run (None: all).
        threads: CPU threads for torch (``torch.set_num_threads``, which is
            process-wide); None leaves torch's default. Small nets train
            fastest on one thread, and on a shared machine several threads
            spin against other processes and can be ten times slower.
        tune_model: whether the model's parameters (width) are in the space.
            False fixes them at ``model_defaults()``, so that a method that
            changes configs between continuations (PBT's explore) changes only
            optimiser settings: a checkpoint cannot be loaded into another model.
        deterministic: on CUDA, deterministic cuDNN and cuBLAS algorithms, so
            that the same seed gives the same losses bit for bit (False: the
            fastest algorithms, losses equal only to within noise). The CPU
            is deterministic either way.
    """

    supports = frozenset({"checkpoint"})
    cost_is_measured = True  # cost is the measured training time
    lr_range: tuple[float, float] = (1e-3, 1.0)

    def __init__(self, device: str = "auto", min_epochs: int = 1, max_epochs: int = 10, val_fraction: float = 0.1,
                 subset: int | None = None, split_seed: int = 0, batch_sizes: tuple[int, ...] = (128, 256, 512),
                 keep_checkpoints: int | None = None, threads: int | None = None, tune_model: bool = True,
                 deterministic: bool = True):
        self.device_name = device
        self.min_epochs = min_epochs
        self.max_epochs = max_epochs
        self.val_fraction = val_fraction
        self.subset = subset
        self.split_seed = split_seed
        self.batch_sizes = batch_sizes
        self.store = CheckpointStore(keep_checkpoints)
        self.threads = threads
        self.tune_model = tune_model
        self.deterministic = deterministic

    # -- what subclasses provide ------------------------------------------------

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Training images and labels, test images and labels: float32 N x C x H x W (normalised), int64."""
        raise NotImplementedError

    def model_space(self) -> dict[str, Param]:
        """The parameters of the model (width, ...), added to the optimiser's."""
        return {}

    def model_defaults(self) -> dict[str, Any]:
        """The model's parameters when ``tune_model`` is false."""
        return {}

    def build_model(self, config: dict[str, Any]) -> nn.Module:
        raise NotImplementedError

    def augment(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Random augmentation of a training batch; draws only from ``generator``."""
        return x

    # -- the task contract ------------------------------------------------------

    @cached_property
    def space(self) -> Space:
        return Space({
            "lr": Float(*self.lr_range, log=True),
            "weight_decay": Float(1e-5, 1e-2, log=True),
            "momentum": Float(0.8, 0.99),
            "batch_size": Categorical(positive_ints(self.batch_sizes, "task.batch_sizes")),
            "label_smoothing": Float(0.0, 0.3),
            "schedule": Categorical(SCHEDULES),
            **(self.model_space() if self.tune_model else {}),
        })

    @cached_property
    def fidelity(self) -> Fidelity:
        return Fidelity("epoch", self.min_epochs, self.max_epochs, integer=True)

    @cached_property
    def device(self) -> torch.device:
        device = resolve_device(self.device_name)
        if device.type == "cuda":
            configure_cuda(self.deterministic)
        return device

    @cached_property
    def data(self) -> Splits:
        if not 0 < self.val_fraction < 1:
            raise UserError(f"task.val_fraction must lie strictly between 0 and 1, got {self.val_fraction!r}.")
        if self.subset is not None and (not isinstance(self.subset, int) or self.subset < 2):
            raise UserError(f"task.subset must be an integer of at least 2 or null, got {self.subset!r}.")
        splits = split(*self.load_arrays(), self.val_fraction, self.subset, self.split_seed)
        return splits.to(self.device, channels_last=self.device.type == "cuda")

    @property
    def precision(self) -> torch.dtype | None:
        """The autocast dtype: None (fp32) on the CPU, bf16 on GPUs that have it, else fp16."""
        if self.device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def attach(self, run_dir: Path | None) -> None:
        """Keep checkpoints under ``run_dir``; load the data now, so that a
        missing data set or GPU stops the run before its first trial."""
        self.store.attach(run_dir)
        _ = self.data

    def release(self) -> None:
        self.store.release()

    def evaluate(self, trial: Trial, seed: int) -> Result:
        if self.threads is not None and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        config, device = trial.config, self.device
        data = self.data
        epochs = int(self.max_epochs if trial.fidelity is None else trial.fidelity)
        init_seed, data_seed = trial_streams(seed)
        model = self.build_model({**self.model_defaults(), **config})
        init_weights(model, torch.Generator().manual_seed(init_seed))
        model = model.to(device, memory_format=torch.channels_last if device.type == "cuda" else torch.preserve_format)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.0, momentum=config["momentum"], nesterov=True,
                                    weight_decay=config["weight_decay"])
        scaler = torch.amp.GradScaler(device.type, enabled=self.precision == torch.float16)
        generator = torch.Generator().manual_seed(data_seed)  # data order and augmentation
        start = 0
        if trial.parent is not None:
            start = self._restore(trial, model, optimizer, scaler, generator)
        for group in optimizer.param_groups:  # the trial's own settings win over the parent's (PBT explores)
            group.update(momentum=config["momentum"], weight_decay=config["weight_decay"])
        if epochs < start:
            raise ValueError(f"trial {trial.id} asks for {epochs} epochs but its parent already trained {start}")

        _synchronize(device)
        tic = time.perf_counter()
        train_loss = None  # stays None for a continuation that adds no epochs
        for epoch in range(start, epochs):
            train_loss = self._train_epoch(model, optimizer, scaler, generator, data, config, epoch)
        val_error = self._error(model, data.x_val, data.y_val)
        _synchronize(device)
        cost = time.perf_counter() - tic

        self.store.save(trial.id, {"epoch": epochs, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                   "scaler": scaler.state_dict(), "generator": generator.get_state()})
        test_error = self._error(model, data.x_test, data.y_test)
        n_images = (epochs - start) * len(data.y_train)
        info = {"device": _device_label(device), "torch": torch.__version__,
                "precision": str(self.precision or torch.float32).removeprefix("torch."),
                **({"deterministic": self.deterministic} if device.type == "cuda" else {}),
                "epochs_trained": epochs - start, "train_loss": train_loss, "val_error": val_error,
                "test_error": test_error, "images_per_second": n_images / cost if cost > 0 else None}
        return Result(val_error, cost, test_error, info)

    # -- the training loop --------------------------------------------------------

    def _train_epoch(self, model: nn.Module, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler,
                     generator: torch.Generator, data: Splits, config: dict[str, Any], epoch: int) -> float:
        """One pass over the training images in a fresh seeded order; returns the mean training loss."""
        model.train()
        n = len(data.y_train)
        batch = min(int(config["batch_size"]), n)
        steps = n // batch  # the last partial batch is dropped, as in airbench: every step sees a full batch
        order = torch.randperm(n, generator=generator).to(data.y_train.device)
        peak = config["lr"]
        total = torch.zeros((), device=data.y_train.device)
        for step in range(steps):
            lr = peak * lr_factor((epoch + step / steps) / self.max_epochs, config["schedule"])
            for group in optimizer.param_groups:
                group["lr"] = lr
            index = order[step * batch:(step + 1) * batch]
            x = self.augment(data.x_train[index], generator)
            with torch.autocast(data.y_train.device.type, dtype=self.precision, enabled=self.precision is not None):
                logits = model(x)
            loss = F.cross_entropy(logits.float(), data.y_train[index], label_smoothing=config["label_smoothing"])
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += loss.detach()
        return float(total) / steps  # one device sync per epoch, not per step

    @torch.no_grad()
    def _error(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
        """Classification error (1 - accuracy) of ``model`` on ``x``."""
        model.eval()
        wrong = torch.zeros((), device=y.device, dtype=torch.long)
        for i in range(0, len(y), EVAL_BATCH):
            with torch.autocast(y.device.type, dtype=self.precision, enabled=self.precision is not None):
                logits = model(x[i:i + EVAL_BATCH])
            wrong += (logits.argmax(dim=1) != y[i:i + EVAL_BATCH]).sum()
        return int(wrong) / len(y)

    def _restore(self, trial: Trial, model: nn.Module, optimizer: torch.optim.Optimizer,
                 scaler: torch.amp.GradScaler, generator: torch.Generator) -> int:
        """Load the parent's state into the fresh objects; returns the epochs it had trained."""
        state = self.store.load(trial.parent)
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as error:
            raise ValueError(f"trial {trial.id} cannot continue from trial {trial.parent}: the model differs "
                             f"(only optimiser settings may change; task.tune_model=false fixes the model): {error}"
                             ) from error
        optimizer.load_state_dict(state["optimizer"])
        if state["scaler"] and scaler.is_enabled():  # a CPU (fp32) parent has no scaler state to carry over
            scaler.load_state_dict(state["scaler"])
        generator.set_state(state["generator"])
        return int(state["epoch"])


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":  # CUDA runs asynchronously: wait before reading the clock
        torch.cuda.synchronize(device)


def _device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.current_device() if device.index is None else device.index} " \
               f"({torch.cuda.get_device_name(device)})"
    return "cpu"
