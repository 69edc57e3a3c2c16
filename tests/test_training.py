"""The torch trainer on CPU: determinism, continuation from checkpoints, the runner hooks, the CLI."""

from __future__ import annotations

import json
import math
import os
from functools import cached_property
from pathlib import Path

import pytest
import torch
from cifar_fixtures import make_cifar_folder

from hpobench import Budget, Method, Result, Trial, UserError, run
from hpobench.storage import RunFolder
from hpobench.tasks.checkpoints import CheckpointStore
from hpobench.tasks.cifar import Cifar, flip_and_translate
from hpobench.tasks.digits import Digits
from hpobench.tasks.torch_training import Splits, TorchTrainingTask, lr_factor, resolve_device

CONFIG = {"lr": 0.05, "weight_decay": 5e-4, "momentum": 0.9, "batch_size": 32, "label_smoothing": 0.1,
          "schedule": "onecycle", "width": 4}


def small_digits() -> Digits:
    return Digits(subset=160, max_epochs=3, batch_sizes=(32,), max_width=8, threads=1, device="cpu")


@pytest.fixture(scope="module")
def cifar_dir(tmp_path_factory) -> Path:
    return make_cifar_folder(tmp_path_factory.mktemp("cifar"), per_batch=16, test=16)


def small_cifar(data_dir: Path) -> Cifar:
    return Cifar(data_dir=str(data_dir), widths=(4,), batch_sizes=(32,), max_epochs=3, threads=1, device="cpu")


def states_equal(a: dict, b: dict) -> bool:
    """Nested state dicts hold the same values, tensors compared bitwise."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(states_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(states_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    return a == b


def test_schedules_warm_up_peak_and_end_at_zero():
    for schedule in ("onecycle", "cosine"):
        values = [lr_factor(p / 100, schedule) for p in range(101)]
        assert values[0] == 0 and max(values) == pytest.approx(1) and values[-1] == pytest.approx(0, abs=1e-12)


def test_augmentation_draws_only_from_its_generator():
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).reshape(2, 3, 32, 32)
    a = flip_and_translate(x, torch.Generator().manual_seed(1))
    b = flip_and_translate(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, x)


@pytest.mark.parametrize("make", ["digits", "cifar"])
def test_same_seed_gives_the_same_losses_and_weights_on_cpu(make, tmp_path, cifar_dir):
    task = small_digits() if make == "digits" else small_cifar(cifar_dir)
    task.attach(tmp_path)
    a, b = (task.evaluate(Trial(i, CONFIG, 2), seed=11) for i in (0, 1))
    other = task.evaluate(Trial(2, CONFIG, 2), seed=12)
    assert (a.loss, a.test_loss, a.info["train_loss"]) == (b.loss, b.test_loss, b.info["train_loss"])
    assert states_equal(task.store.load(0), task.store.load(1))
    assert not states_equal(task.store.load(0)["model"], task.store.load(2)["model"]) and other.cost > 0
    assert a.info["device"] == "cpu" and a.info["torch"] == torch.__version__


@pytest.mark.parametrize("make", ["digits", "cifar"])
def test_continuing_from_a_checkpoint_equals_training_without_a_break(make, tmp_path, cifar_dir):
    task = small_digits() if make == "digits" else small_cifar(cifar_dir)
    task.attach(tmp_path)
    whole = task.evaluate(Trial(0, CONFIG, 3), seed=5)
    task.evaluate(Trial(1, CONFIG, 1), seed=5)
    rest = task.evaluate(Trial(2, CONFIG, 3, parent=1), seed=999)  # a continuation ignores its own seed
    assert (rest.loss, rest.test_loss, rest.info["train_loss"]) == (whole.loss, whole.test_loss,
                                                                  whole.info["train_loss"])
    assert rest.info["epochs_trained"] == 2 and whole.info["epochs_trained"] == 3
    assert states_equal(task.store.load(0), task.store.load(2))  # weights, momentum, data-order generator: bitwise


def test_a_continuation_may_change_optimiser_settings_but_not_the_model(tmp_path):
    task = small_digits()
    task.attach(tmp_path)
    task.evaluate(Trial(0, CONFIG, 1), seed=1)
    explored = task.evaluate(Trial(1, {**CONFIG, "lr": 0.01, "momentum": 0.95}, 2, parent=0), seed=2)
    assert math.isfinite(explored.loss)
    with pytest.raises(ValueError, match=r"cannot continue from trial 0: the model differs.*tune_model=false"):
        task.evaluate(Trial(2, {**CONFIG, "width": 8}, 2, parent=0), seed=3)
    with pytest.raises(ValueError, match="its parent already trained"):
        task.evaluate(Trial(3, CONFIG, 1, parent=1), seed=3)


def test_a_fixed_model_leaves_width_out_of_the_space():
    task = Digits(subset=160, max_epochs=2, batch_sizes=(32,), max_width=8, threads=1, device="cpu", tune_model=False)
    assert "width" not in task.space.names and "lr" in task.space.names
    config = {k: v for k, v in CONFIG.items() if k != "width"}
    task.evaluate(Trial(0, config, 1), seed=0)
    assert math.isfinite(task.evaluate(Trial(1, {**config, "lr": 0.2}, 2, parent=0), seed=1).loss)
    assert task.store.load(1)["model"]["0.weight"].shape[0] == 8  # built at max_width


def test_the_checkpoint_bound_evicts_the_least_recently_used(tmp_path):
    store = CheckpointStore(keep=2)
    store.attach(tmp_path)
    for i in range(3):
        store.save(i, {"i": torch.tensor(i)})
        os.utime(store.path(i), ns=(i * 10**9, i * 10**9))  # distinct times, whatever the clock's resolution
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["trial-1.pt", "trial-2.pt"]
    with pytest.raises(FileNotFoundError, match="keep_checkpoints=2 may have evicted it"):
        store.load(0)
    store.release()
    assert not (tmp_path / "checkpoints").exists()


class PromoteOnce(Method):
    """Trains one config for 1 epoch, then continues it to 3: a Hyperband promotion in miniature."""

    requires = frozenset({"checkpoint"})

    def ask(self) -> Trial | None:
        if self._asked == 0:
            return self.new_trial(CONFIG, 1)
        if self._asked == 1:
            return self.new_trial(CONFIG, 3, parent=0)
        return None


def test_the_runner_attaches_the_run_folder_and_the_finished_run_drops_its_checkpoints(tmp_path):
    outcome = run(PromoteOnce, small_digits(), seed=0, budget=Budget(evals=5), folder=RunFolder(tmp_path / "run"))
    first, second = outcome.records
    assert (first["status"], second["status"], second["continued"]) == ("ok", "ok", True)
    assert second["info"]["epochs_trained"] == 2 and second["budget_used"] == pytest.approx(1.0)
    assert not (tmp_path / "run" / "checkpoints").exists()


class Interrupted(Exception):
    pass


class PromoteOnceButDie(PromoteOnce):
    def ask(self) -> Trial | None:
        if self._asked == 1:
            raise Interrupted  # as if the process were killed between the two trials
        return super().ask()


def test_a_resumed_run_continues_from_checkpoints_made_before_the_interruption(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(Interrupted):
        run(PromoteOnceButDie, small_digits(), seed=0, budget=Budget(evals=5), folder=RunFolder(folder))
    assert (folder / "checkpoints" / "trial-0.pt").exists()  # an unfinished run keeps its checkpoints
    outcome = run(PromoteOnce, small_digits(), seed=0, budget=Budget(evals=5), folder=RunFolder(folder))
    assert outcome.replayed == 1 and outcome.records[1]["status"] == "ok" and outcome.records[1]["continued"]
    assert not (folder / "checkpoints").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_trains_with_mixed_precision_and_continues(tmp_path, cifar_dir):
    task = Cifar(data_dir=str(cifar_dir), widths=(8,), batch_sizes=(32,), max_epochs=2, device="cuda")
    task.attach(tmp_path)
    first = task.evaluate(Trial(0, CONFIG | {"width": 8}, 1), seed=0)
    rest = task.evaluate(Trial(1, CONFIG | {"width": 8}, 2, parent=0), seed=1)
    assert first.info["device"].startswith("cuda") and first.info["precision"] in ("bfloat16", "float16")
    assert math.isfinite(rest.loss) and rest.info["epochs_trained"] == 1 and task.data.x_train.is_cuda


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_gives_the_same_losses_bit_for_bit_when_deterministic(cifar_dir):
    def train() -> Result:
        task = Cifar(data_dir=str(cifar_dir), widths=(8,), batch_sizes=(32,), max_epochs=2, device="cuda")
        task.attach(None)
        return task.evaluate(Trial(0, CONFIG | {"width": 8}, 2), seed=3)

    first, second = train(), train()
    assert first.info["deterministic"] and first.info["train_loss"] == second.info["train_loss"]
    assert (first.loss, first.test_loss) == (second.loss, second.test_loss)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only machine")
def test_device_auto_falls_back_to_cpu_and_cuda_without_a_gpu_is_a_user_error():
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(UserError, match="sees no CUDA GPU; set device=auto or device=cpu"):
        resolve_device("cuda")
    with pytest.raises(UserError, match="device must be auto, cpu or cuda"):
        resolve_device("tpu")


def test_cli_digits_runs_and_records_device_and_torch(hpobench_cli, tmp_path):
    done = hpobench_cli("method=random", "task=digits", "budget.evals=3")
    run_dir = tmp_path / "results" / "default" / "digits" / "random" / "seed=0"
    rows = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(r["status"] == "ok" and r["cost"] > 0 for r in rows)
    assert min(r["loss"] for r in rows) < 0.5 and "3 (0 failed)" in done.stdout  # chance is 0.9
    assert rows[0]["info"]["device"].startswith("cuda" if torch.cuda.is_available() else "cpu")  # device=auto
    assert rows[0]["info"]["torch"] == torch.__version__
    assert not (run_dir / "checkpoints").exists()


def test_cli_cifar_trains_on_a_tiny_folder(hpobench_cli, tmp_path, cifar_dir):
    hpobench_cli("method=random", "task=cifar", f"task.data_dir={cifar_dir}", "task.widths=[4]",
                 "task.batch_sizes=[32]", "task.max_epochs=2", "task.threads=1", "budget.evals=2", "study=tiny")
    rows = [json.loads(line) for path in (tmp_path / "results" / "tiny").rglob("trials.jsonl")
            for line in path.read_text().splitlines()]
    assert len(rows) == 2 and all(r["status"] == "ok" and r["fidelity"] == 2 for r in rows)


def test_cli_cifar_offline_without_data_ends_with_one_sentence(hpobench_cli, tmp_path, monkeypatch):
    # A proxy on a closed local port makes the real download fail at once, without touching the network.
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    done = hpobench_cli("method=random", "task=cifar", f"task.data_dir={tmp_path / 'none'}", check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "CIFAR-10 is not in" in done.stderr and "put it (or its extracted cifar-10-batches-py folder)" in done.stderr
    assert not (tmp_path / "results").exists()


class MixedPrecisionCifar(Cifar):
    """The CUDA code path, run on the CPU: autocast to a 16-bit type, channels-last
    tensors and, for fp16, a gradient scaler whose state goes into checkpoints."""

    def __init__(self, dtype: torch.dtype, **settings):
        super().__init__(**settings)
        self.dtype = dtype

    @property
    def precision(self) -> torch.dtype:
        return self.dtype

    @cached_property
    def data(self) -> Splits:
        return TorchTrainingTask.data.func(self).to(torch.device("cpu"), channels_last=True)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_the_mixed_precision_channels_last_path_trains_and_continues(dtype, tmp_path, cifar_dir):
    task = MixedPrecisionCifar(dtype, data_dir=str(cifar_dir), widths=(4,), batch_sizes=(32,), max_epochs=2,
                               threads=1, device="cpu")
    task.attach(tmp_path)
    assert task.data.x_train.is_contiguous(memory_format=torch.channels_last)
    whole = task.evaluate(Trial(0, CONFIG, 2), seed=4)
    task.evaluate(Trial(1, CONFIG, 1), seed=4)
    rest = task.evaluate(Trial(2, CONFIG, 2, parent=1), seed=0)
    assert whole.info["precision"] == str(dtype).removeprefix("torch.") and math.isfinite(whole.loss)
    assert (rest.loss, rest.info["train_loss"]) == (whole.loss, whole.info["train_loss"])
    assert bool(task.store.load(1)["scaler"]) == (dtype == torch.float16)
