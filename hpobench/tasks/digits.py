"""``task=digits``: a small CNN on scikit-learn's 8x8 handwritten digits.

The data (1,797 images of 10 classes, Alpaydin & Kaynak 1998, the UCI
"optical recognition of handwritten digits" test set) ships inside
scikit-learn, so this is a real training task that runs offline on any
machine in seconds, with the same trainer as ``task=cifar``
(see ``torch_training``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from hpobench.space import Int, Param
from hpobench.tasks.torch_training import GlobalMaxPool, TorchTrainingTask


class DigitsCNN(nn.Sequential):
    """conv-BN-ReLU at 8x8, max-pool to 4x4, a twice as wide conv-BN-ReLU, global max-pool, linear.

    Kept this small on purpose: the task must train in about a second on one
    loaded CPU core, and it still reaches about 98% test accuracy.

    Args:
        width: channels of the first convolution; the second has twice as many.
    """

    def __init__(self, width: int, classes: int = 10):
        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        super().__init__(*block(1, width), nn.MaxPool2d(2), *block(width, 2 * width),
                         GlobalMaxPool(), nn.Flatten(), nn.Linear(2 * width, classes))


class Digits(TorchTrainingTask):
    """Validation error of ``DigitsCNN`` on sklearn's digits; epochs as fidelity.

    A fixed ``test_fraction`` of the images (drawn with ``split_seed``) is the
    test set; ``val_fraction`` of the rest is the validation set. See
    ``TorchTrainingTask`` for the other settings.
    """

    lr_range = (1e-3, 1.0)

    def __init__(self, test_fraction: float = 0.2, max_width: int = 16, **settings: Any):
        super().__init__(**settings)
        self.test_fraction = test_fraction
        self.max_width = max_width

    def model_space(self) -> dict[str, Param]:
        return {"width": Int(4, self.max_width, log=True)}

    def model_defaults(self) -> dict[str, Any]:
        return {"width": self.max_width}

    def build_model(self, config: dict[str, Any]) -> nn.Module:
        return DigitsCNN(int(config["width"]))

    def load_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        from sklearn.datasets import load_digits  # imported here: only this task needs it

        bunch = load_digits()
        x = (bunch.images.astype(np.float32) / 16.0 - 0.5) / 0.5  # pixel values 0..16 to [-1, 1]
        x, y = x[:, None, :, :], bunch.target.astype(np.int64)
        order = np.random.default_rng([self.split_seed, 1]).permutation(len(y))  # a stream apart from the val split
        n_test = round(self.test_fraction * len(y))
        test, train = order[:n_test], order[n_test:]
        return x[train], y[train], x[test], y[test]
