"""A Hydra search-path plugin: configs from installed packages that register with hpobench.

A package that adds methods (or tasks, or experiments) to hpobench registers
its config package under the entry-point group ``hpobench.plugins``::

    [project.entry-points."hpobench.plugins"]
    my_optimizer = "my_optimizer"     # a package holding method/*.yaml (and task/, experiment/ ...)

and after ``pip install my-optimizer``, ``python -m hpobench method=my_opt``
finds ``method/my_opt.yaml`` inside it, with no ``hydra.searchpath`` given.
Hydra finds this plugin because it lives in the ``hydra_plugins`` namespace
package. Registered packages come after hpobench's own ``conf/`` on the
search path, sorted by entry-point name, so they add configs but never
replace ours.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

GROUP = "hpobench.plugins"


def registered() -> list[tuple[str, str]]:
    """(entry-point name, config package) of every installed package registered with hpobench, by name."""
    return sorted({(ep.name, ep.value.strip()) for ep in entry_points(group=GROUP)})


class HpobenchPluginsSearchPath(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        for name, package in registered():
            search_path.append(provider=f"hpobench-plugin:{name}", path=f"pkg://{package}")
