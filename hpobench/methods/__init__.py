"""Methods: one file per method. Configs in conf/method/ point at these classes."""

from hpobench.methods.base import Method

__all__ = ["Method"]
