"""Every experiment in conf/experiment/ sweeps only methods and tasks that exist, and names its study."""

from pathlib import Path

import pytest
import yaml

CONF = Path(__file__).resolve().parents[1] / "conf"
EXPERIMENTS = sorted((CONF / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.stem for p in EXPERIMENTS])
def test_experiment_sweeps_existing_methods_and_tasks(path):
    experiment = yaml.safe_load(path.read_text())
    assert experiment["study"], "an experiment writes to a study of its own"
    params = experiment["hydra"]["sweeper"]["params"]
    for group in ("method", "task"):
        for choice in str(params.get(group, "")).split(","):
            if choice:
                assert (CONF / group / f"{choice.strip()}.yaml").is_file(), f"{path.name}: no {group} {choice}"


def test_there_are_experiments():
    assert {"peers_blackbox", "peers_multifidelity", "peers_mixed", "nb201_search"} <= {p.stem for p in EXPERIMENTS}
