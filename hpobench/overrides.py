"""Check the command line's overrides before Hydra composes them, so a mistake is one sentence.

Hydra reports an unknown method or a misspelt key in several lines (exit
status 1), and it accepts any key appended with ``+``, so that
``+budgett.evals=5`` runs the default budget without a word. Here every
override is checked against what hpobench's configs hold before anything
runs or is written; a mistake ends the command with one sentence that names
the valid choices and the nearest one (exit status 2):

* a config group's choice (``method=``, ``task=``, ``+experiment=``,
  ``+suite=``, ``hydra/launcher=``, each value of a sweep) must be a config
  of that group on the search path;
* a key must exist: the top-level keys of ``conf/config.yaml``, the
  ``budget.*`` limits, and the settings in the chosen method's or task's
  YAML;
* appending with ``+`` is refused for a key that exists (drop the ``+``),
  for new top-level keys and new ``budget.*`` keys; ``+method.<key>`` and
  ``+task.<key>`` are allowed when the class's constructor takes that
  keyword (e.g. ``+task.noise=seed`` for ``task=nb201``), a setting its
  YAML leaves at the constructor's default.

Only what can be known from the command line is checked: when an experiment
or a suite chooses the methods or tasks, their settings are left to the
checks that run when each run builds its method and task (``targets``).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from hpobench.budget import Budget
from hpobench.errors import UserError

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
GROUPS_WITH_SETTINGS = ("method", "task")
SUPPLIED = {"method": ("space", "fidelity", "rng"), "task": ()}  # what the runner passes, not a setting
SKIP_FLAGS = ("-h", "--help", "--hydra-help", "--version", "-sc", "--shell-completion", "-cp", "--config-path",
              "-cn", "--config-name", "-cd", "--config-dir", "--experimental-rerun", "-i", "--info")
TAKES_VALUE = ("-c", "--cfg", "-p", "--package")


def overrides_of(argv: list[str]) -> list[str] | None:
    """The overrides among ``python -m hpobench``'s arguments; None when a flag asks for something else
    (help, another config folder) that Hydra answers without a run."""
    out, skip_next = [], False
    for arg in argv:
        if skip_next:
            skip_next = False
        elif arg in SKIP_FLAGS or arg.split("=")[0] in SKIP_FLAGS:
            return None
        elif arg in TAKES_VALUE:
            skip_next = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def check_command_line(argv: list[str], conf_dir: Path = CONF_DIR) -> bool:
    """Raise a UserError naming the fix for the first override of ``argv`` that hpobench's configs lack.

    Returns True when every override was plainly valid from conf/ alone (see ``_plainly_valid``)."""
    overrides = overrides_of(argv)
    if not overrides:
        return overrides is not None
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    for override in overrides:
        try:
            parser.parse_override(override)
        except HydraException as error:
            reason = str(error).strip().splitlines()[0].rstrip(".")
            raise UserError(f"Cannot read the override {override!r} ({reason}); write it as key=value, e.g. "
                            f"method=tpe, budget.evals=50 or 'task.params=[lr,batch]' (the grammar: "
                            f"https://hydra.cc/docs/advanced/override_grammar/basic/).") from None
    parsed = parser.parse_overrides(overrides)
    if _plainly_valid(parsed, conf_dir):
        return True  # the common case, told from conf/ alone: Hydra's composition costs ~0.2 s
    with _Configs(conf_dir, [o.input_line for o in parsed if _is_search_path(o.key_or_group)]) as configs:
        _check(parsed, configs)
    return False


def _plainly_valid(parsed: list[Any], conf_dir: Path) -> bool:
    """True when every override is plainly valid from hpobench's own conf/ files, without composing: a choice
    that is a YAML file of its group in conf/ (``method=tpe``), a top-level setting of conf/config.yaml
    (``seed=3``) or a budget limit (``budget.evals=5``), none appended with ``+``. Anything else (``+``,
    a search path, a method's setting, a choice conf/ lacks) gets the full checks, which compose."""
    own_keys = _own_top_keys(conf_dir)
    for override in parsed:
        key = override.key_or_group
        if override.is_delete() or override.is_add() or override.is_force_add() or "@" in key:
            return False
        if "." not in key and (conf_dir / key).is_dir():
            if not all((conf_dir / key / f"{value}.yaml").is_file() for value in _values(override)):
                return False
        elif key.startswith("budget."):
            if key.split(".", 1)[1] not in {f.name for f in fields(Budget)}:
                return False
        elif key not in own_keys or key == "hydra":
            return False
    return True


def _own_top_keys(conf_dir: Path) -> set[str]:
    """The top-level keys conf/config.yaml sets itself (not through its defaults list)."""
    import yaml

    with open(conf_dir / "config.yaml", encoding="utf-8") as file:
        data = yaml.safe_load(file) or {}
    return {str(k) for k in data if k != "defaults"}


def _is_search_path(key: str) -> bool:
    return key == "hydra.searchpath"


class _Configs:
    """Hydra's view of the config folders (hpobench's, plugins' and ``hydra.searchpath``'s), for the checks."""

    def __init__(self, conf_dir: Path, search_path: list[str]):
        self.conf_dir, self.search_path = conf_dir, search_path
        self.composed: dict[tuple[str, ...], Any] = {}

    def __enter__(self) -> _Configs:
        from hydra import initialize_config_dir

        self.context = initialize_config_dir(config_dir=str(self.conf_dir), version_base="1.3")
        self.context.__enter__()
        from hydra.core.global_hydra import GlobalHydra

        self.loader = GlobalHydra.instance().config_loader()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.context.__exit__(*exc)

    def options(self, group: str) -> list[str]:
        return sorted(self.loader.get_group_options(group, overrides=self.search_path))

    def is_group(self, key: str) -> bool:
        return bool(key) and "." not in key and bool(self.options(key))

    def compose(self, overrides: list[str]) -> Any:
        """The config these overrides give (with Hydra's own node), composed once."""
        from hydra import compose

        key = tuple(overrides)
        if key not in self.composed:
            self.composed[key] = compose("config", overrides=[*self.search_path, *overrides],
                                         return_hydra_config=True)
        return self.composed[key]


def _check(parsed: list[Any], configs: _Configs) -> None:
    groups = [o for o in parsed if not o.is_delete() and "@" not in o.key_or_group
              and configs.is_group(o.key_or_group)]
    for override in groups:
        _check_choices(override, configs)
    keys = [o for o in parsed if all(o is not g for g in groups) and not o.is_delete()
            and not o.key_or_group.startswith("hydra.") and "@" not in o.key_or_group]
    if not keys:
        return
    appended_groups = [o.input_line for o in groups if o.is_add() and not o.is_sweep_override()]
    base = configs.compose(appended_groups)  # the defaults, with what an experiment or a suite changes
    for override in keys:
        _check_key(override, base, groups, appended_groups, configs)


def _values(override: Any) -> list[str]:
    if override.is_sweep_override():
        return [str(v) for v in override.sweep_string_iterator()]
    return [str(override.value())]


def _check_choices(override: Any, configs: _Configs) -> None:
    group = override.key_or_group
    valid = configs.options(group)
    for value in _values(override):
        if value not in valid and value != "null":
            where = f"in conf/{group}/" if "/" not in group else f"of the group {group}"
            raise UserError(f"{group}={value} is not a config {where} (or on the search path); "
                            f"choose one of {', '.join(valid)}{_nearest(value, valid)}.")


def _nearest(word: str, valid: list[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(word, valid, n=1, cutoff=0.5)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""


def _check_key(override: Any, base: Any, groups: list[Any], appended_groups: list[str], configs: _Configs) -> None:
    key = override.key_or_group
    parts = key.split(".")
    top, plus = parts[0], override.is_add() or override.is_force_add()
    top_keys = sorted(k for k in base if k != "hydra")
    shown = override.input_line.split("=")[0] or repr(override.input_line)
    if top not in top_keys:
        raise UserError(f"{shown} names no setting of hpobench: {top!r} is not one of its top-level keys "
                        f"({', '.join(top_keys)}){_nearest(top, top_keys)}; fix the key.")
    if len(parts) == 1:
        if plus and not override.is_force_add():
            raise UserError(f"{shown}: {top} is already a setting; set it without the '+' ({key}=...).")
        return
    sub = parts[1]
    if top == "budget":
        valid = [f.name for f in fields(Budget)]
        if sub not in valid:
            raise UserError(f"{shown}: budget.{sub} is not a budget limit; use one of "
                            f"{', '.join('budget.' + v for v in valid)}{_nearest(sub, valid, 'budget.')}.")
        if override.is_add():
            raise UserError(f"{shown}: budget.{sub} is already a setting; set it without the '+' ({key}=...).")
        return
    if top not in GROUPS_WITH_SETTINGS:
        return  # a key inside another setting: Hydra checks it against the composed config
    for choice, node in _chosen_nodes(top, base, groups, appended_groups, configs):
        _check_setting(top, choice, node, sub, plus, override, shown)


def _chosen_nodes(group: str, base: Any, groups: list[Any], appended_groups: list[str],
                  configs: _Configs) -> list[tuple[str, Any]]:
    """The YAML nodes of the method (or task) choices the command line makes; none when a sweeper chooses."""
    given = next((o for o in groups if o.key_or_group == group), None)
    if given is not None:
        return [(v, configs.compose([*appended_groups, f"{group}={v}"])[group]) for v in _values(given)]
    sweeper = base.hydra.get("sweeper") or {}
    if group in (sweeper.get("params") or {}) or (group == "task" and sweeper.get("members")):
        return []  # an experiment's or a suite's sweep chooses them; each run checks its own settings
    return [(base.hydra.runtime.choices[group], base[group])]


def _check_setting(group: str, choice: str, node: Any, sub: str, plus: bool, override: Any, shown: str) -> None:
    in_yaml = sorted(k for k in node if not str(k).startswith("_") and k not in ("default_budget",))
    if sub in node:
        if override.is_add():
            raise UserError(f"{shown}: {group}.{sub} is already a setting of {group}={choice}; "
                            f"set it without the '+' ({group}.{sub}=...).")
        return
    accepted = _constructor_keywords(node.get("_target_"), group)
    takes = accepted is None or sub in accepted
    if plus and takes:
        return  # a constructor argument the YAML leaves at its default
    valid = sorted(set(in_yaml) | set(accepted or ()))
    hint = f"; to set it, use +{group}.{sub}=..." if takes else ""
    raise UserError(f"{shown}: {group}={choice} has no setting {sub!r} (its settings: {', '.join(valid) or 'none'})"
                    f"{_nearest(sub, valid, group + '.')}{hint}.")


def _constructor_keywords(target: Any, group: str) -> list[str] | None:
    """The keywords the class named by ``target`` takes; None when it takes any (or cannot be told)."""
    if not isinstance(target, str):
        return None
    from hpobench import targets

    try:
        made: Callable[..., Any] = targets.locate(target, group)
        params = inspect.signature(made).parameters
    except (UserError, TypeError, ValueError):
        return None  # the run itself reports a module that cannot be imported
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return sorted(n for n, p in params.items() if p.kind in named and n not in SUPPLIED[group])
