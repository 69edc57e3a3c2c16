"""An example optimiser package for hpobench: one method file, one YAML, one conformance test.

Hydra imports this package to find its configs (``method/``), so it imports
nothing itself: an error in the method's module is then reported when the
method is built, with its file and line, rather than hiding the configs.
"""
