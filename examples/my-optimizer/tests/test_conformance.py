"""The method keeps hpobench's contract: one import, one call."""

from my_optimizer.one_plus_one import OnePlusOneES

from hpobench.testing import check_method


def test_one_plus_one_keeps_the_hpobench_contract():
    check_method(OnePlusOneES)
