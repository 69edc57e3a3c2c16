"""Method styles: one colour and marker per method name, whatever else a study holds, in any process."""

import os
import subprocess
import sys
from pathlib import Path

from _analysis_runs import write_run

from hpobench.analysis import analyse, plots
from hpobench.analysis.style import KNOWN_METHODS, base_name, method_style, method_styles

ROOT = Path(__file__).resolve().parents[1]
PEERS = ("optuna_tpe", "optuna_tpe_univariate", "optuna_gp", "optuna_cmaes", "optuna_qmc", "optuna_random", "smac_bb",
         "smac_hpo", "smac_hb", "smac_mf", "nevergrad", "skopt_gp", "skopt_rf", "hyperopt_tpe", "ax", "syne_tune_bore",
         "syne_tune_tpe", "syne_tune_asha", "syne_tune_bohb", "dehb", "hebo", "nevergrad_ngopt")


def test_every_method_config_and_reference_optimiser_has_its_own_known_style():
    configs = {p.stem for p in (ROOT / "conf" / "method").glob("*.yaml")}
    assert configs and configs | set(PEERS) <= set(KNOWN_METHODS)
    styles = method_styles(list(KNOWN_METHODS))
    assert len({(s.colour, s.marker, s.linestyle) for s in styles.values()}) == len(KNOWN_METHODS)
    # the methods usually compared together differ in colour, and none shares random search's
    for study in (("random", "rea", "local_search", "tpe", "gp"), ("random", "grid", "tpe", "gp"),
                  ("random", "hyperband", "bohb", "asha", "smac_hb", "smac_mf", "dehb", "syne_tune_asha")):
        assert len({method_style(m)[0] for m in study}) == len(study), study
    assert [m for m in KNOWN_METHODS if method_style(m)[0] == method_style("random")[0]] == ["random"]


def test_the_colour_of_grid_is_the_same_whatever_else_is_in_the_study():
    alone = method_styles(["grid"])["grid"]
    for others in (["random"], ["a", "b"], ["aaa", "random", "tpe", "zzz"], list(KNOWN_METHODS)):
        assert method_styles(["grid", *others])["grid"] == alone
    assert method_style("grid") == (alone.colour, alone.marker)


def test_the_analysis_draws_each_method_alike_in_studies_of_other_methods(tmp_path, monkeypatch):
    seen = []
    drawn = plots.ranks_figure

    def spy(ranks, n_tasks, styles, path):
        seen.append({m: styles[m] for frame in ranks.values() for m in frame.index})
        return drawn(ranks, n_tasks, styles, path)

    monkeypatch.setattr(plots, "ranks_figure", spy)
    for study, methods in (("one", ["grid", "random"]), ("two", ["a_new_method", "grid"])):
        for method in methods:
            write_run(tmp_path / study, "t", method, 0, [2.0, 1.0], study=study)
        analyse(tmp_path / study, tmp_path / "out")
    assert seen[0]["grid"] == seen[1]["grid"]
    assert seen[0]["random"] != seen[0]["grid"] != seen[1]["a_new_method"]


def test_unknown_names_get_the_same_style_in_a_fresh_process():
    names = ["my_new_method", "zz-top", "optimiser 7"]
    code = ("from hpobench.analysis.style import method_styles as s; "
            f"print([tuple(vars(v).values()) for v in s({names!r}).values()])")
    here = str([tuple(vars(v).values()) for v in method_styles(names).values()])
    for hash_seed in ("0", "123"):  # hash() would differ between these
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == here
    known = {(s.colour, s.marker, s.linestyle) for s in method_styles(list(KNOWN_METHODS)).values()}
    assert not known & {(s.colour, s.marker, s.linestyle) for s in method_styles(names).values()}
    assert method_style("random")[0] not in {method_style(n)[0] for n in names}


def test_a_variant_keeps_its_base_methods_colour_with_a_marker_and_line_of_its_own():
    assert [base_name(n) for n in ("gp-3edae5f", "tpe@abc", "gp,n_init=5", "local_search", "optuna_tpe")] == [
        "gp", "tpe", "gp", "local_search", "optuna_tpe"]
    base = method_styles(["gp"])["gp"]
    for variant in ("gp-3edae5f", "gp,n_init=5", "gp@2"):
        style = method_styles([variant])[variant]
        assert style.colour == base.colour and (style.marker, style.linestyle) != (base.marker, base.linestyle)
    assert method_style("my_opt,lr=3")[0] == method_style("my_opt")[0]
