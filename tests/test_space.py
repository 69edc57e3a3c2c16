"""The search space: transforms, sampling, grids and validation."""

import math

import numpy as np
import pytest

from hpobench import Categorical, Float, Int, Space, UserError


def mixed_space() -> Space:
    return Space({"x": Float(-2.0, 3.0), "lr": Float(1e-5, 1e-1, log=True), "n": Int(1, 5),
                  "units": Int(16, 1024, log=True), "act": Categorical(["relu", "tanh", "gelu"]),
                  "flag": Categorical([True, False])})


def test_decode_encode_round_trip_keeps_every_config():
    space = mixed_space()
    configs = space.sample(np.random.default_rng(0), 500)
    again = space.decode(space.encode(configs))
    assert again == configs


def test_decoded_values_have_the_parameter_kind_and_lie_in_bounds():
    space = mixed_space()
    for config in space.decode(np.random.default_rng(1).random((300, len(space)))):
        assert space.check(config) is None
        assert type(config["x"]) is float and type(config["n"]) is int and type(config["units"]) is int


def test_unit_cube_corners_decode_to_the_bounds():
    space = mixed_space()
    low, high = space.decode(np.array([[0.0] * 6, [1.0] * 6]))
    assert (low["x"], low["lr"], low["n"], low["units"], low["act"]) == (-2.0, 1e-5, 1, 16, "relu")
    assert (high["x"], high["lr"], high["n"], high["units"], high["act"], high["flag"]) == (
        3.0, 1e-1, 5, 1024, "gelu", False)


def test_integers_get_equal_cells_and_round_to_nearest():
    param = Int(1, 5)
    u = (np.arange(5) + 0.5) / 5
    assert param.from_unit(u) == [1, 2, 3, 4, 5]
    counts = np.bincount(param.from_unit(np.random.default_rng(2).random(50_000)), minlength=6)[1:]
    assert np.all(np.abs(counts / 50_000 - 0.2) < 0.01)


def test_log_parameters_are_log_uniform():
    values = np.array(Float(1e-4, 1.0, log=True).from_unit(np.random.default_rng(3).random(40_000)))
    decades = np.histogram(np.log10(values), bins=4, range=(-4, 0))[0] / 40_000
    assert np.all(np.abs(decades - 0.25) < 0.01)
    ints = np.array(Int(1, 1000, log=True).from_unit(np.random.default_rng(4).random(40_000)))
    # log-uniform on the cells [0.5, 1000.5]: P(n <= 10) = log(10.5/0.5) / log(1000.5/0.5); uniform would give 1 %
    assert abs(np.mean(ints <= 10) - math.log(21) / math.log(2001)) < 0.01


def test_categorical_cells_and_centres():
    param = Categorical(["a", "b", "c", "d"])
    assert param.from_unit(np.array([0.0, 0.2499, 0.25, 0.99, 1.0])) == ["a", "a", "b", "d", "d"]
    np.testing.assert_allclose(param.to_unit(["a", "d"]), [0.125, 0.875])


def test_sampling_depends_only_on_the_generator():
    space = mixed_space()
    assert space.sample(np.random.default_rng(7), 20) == space.sample(np.random.default_rng(7), 20)
    assert space.sample(np.random.default_rng(7), 20) != space.sample(np.random.default_rng(8), 20)


def test_grid_order_is_nested_loops_in_space_order():
    space = Space({"a": Int(0, 1), "b": Categorical(["x", "y", "z"])})
    assert [tuple(c.values()) for c in space.grid(2)] == [
        (0, "x"), (0, "y"), (0, "z"), (1, "x"), (1, "y"), (1, "z")]


def test_grid_points_are_log_spaced_rounded_and_deduplicated():
    space = Space({"lr": Float(1e-3, 1e-1, log=True), "n": Int(1, 3), "k": Int(2, 64, log=True)})
    assert [c["lr"] for c in space.grid({"lr": 3, "n": 2, "k": 2})][::4] == pytest.approx([1e-3, 1e-2, 1e-1])
    assert sorted({c["n"] for c in space.grid(10)}) == [1, 2, 3]  # 10 points on 1..3 collapse to 3
    assert sorted({c["k"] for c in space.grid(6)}) == [2, 4, 8, 16, 32, 64]
    assert space.grid_size(10) == len(list(space.grid(10))) == 10 * 3 * 10


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Float(1.0, 0.0), "must be below high"),
        (lambda: Float(0.0, 0.0), "must be below high"),
        (lambda: Float(0.0, 1.0, log=True), "needs low > 0"),
        (lambda: Int(0, 10, log=True), "needs low > 0"),
        (lambda: Int(0.5, 3), "must be integers"),
        (lambda: Float(0.0, math.inf), "finite"),
        (lambda: Categorical([]), "at least one choice"),
        (lambda: Categorical(["a", "a"]), "repeat"),
        (lambda: Space([("x", Float(0, 1)), ("x", Int(0, 3))]), "more than once"),
        (lambda: Space({}), "at least one parameter"),
        (lambda: Space({"x": (0, 1)}), "use Float, Int or Categorical"),
        (lambda: list(Space({"x": Float(0, 1)}).grid(1)), "at least 2"),
    ],
)
def test_bad_definitions_are_refused_with_one_sentence(make, words):
    with pytest.raises(UserError, match=words) as info:
        make()
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")


def test_check_names_what_is_wrong():
    space = mixed_space()
    good = space.sample(np.random.default_rng(0), 1)[0]
    assert space.check(good) is None
    assert "outside" in space.check({**good, "n": 6})
    assert "outside" in space.check({**good, "n": True})  # a bool is not an integer
    assert "outside" in space.check({**good, "act": "selu"})
    assert "keys" in space.check({k: v for k, v in good.items() if k != "x"})


def test_translate_calls_the_function_of_each_kind_in_space_order():
    space = Space([("c", Categorical(("x", "y"))), ("a", Float(0.5, 2.0, log=True)), ("b", Int(1, 8))])
    out = space.translate(on_float=lambda n, p: ("float", n, p.log), on_int=lambda n, p: ("int", n, p.high),
                          on_categorical=lambda n, p: ("categorical", n, p.choices))
    assert list(out) == ["c", "a", "b"]
    assert out == {"c": ("categorical", "c", ("x", "y")), "a": ("float", "a", True), "b": ("int", "b", 8)}


def test_choice_counts_and_continuous_mask_per_dimension():
    space = mixed_space()
    assert space.n_choices.tolist() == [0, 0, 0, 0, 3, 2]
    assert space.continuous.tolist() == [True, True, False, False, False, False]


def test_choice_indices_put_each_choice_at_its_position_and_leave_numbers_alone():
    space = mixed_space()
    configs = space.sample(np.random.default_rng(3), 200)
    unit = space.encode(configs)
    indexed = space.choice_indices(unit)
    assert indexed[:, 4].tolist() == [["relu", "tanh", "gelu"].index(c["act"]) for c in configs]
    assert indexed[:, 5].tolist() == [[True, False].index(c["flag"]) for c in configs]
    assert np.array_equal(indexed[:, :4], unit[:, :4])
    assert np.array_equal(space.choice_centres(indexed), unit)  # back to the centres encode uses
    assert np.array_equal(space.choice_indices(unit[7]), indexed[7])  # one point as well as a batch


def test_choice_indices_of_cell_edges_and_of_any_point_in_a_cell():
    space = Space({"c": Categorical(("a", "b", "c", "d")), "x": Float(0.0, 1.0)})
    unit = np.array([[0.0, 0.3], [0.2499, 0.3], [0.25, 0.3], [0.99, 0.3], [1.0, 0.3]])
    assert space.choice_indices(unit)[:, 0].tolist() == [0, 0, 1, 3, 3]
    decoded = [c["c"] for c in space.decode(unit)]
    assert decoded == [space.params["c"].choices[int(i)] for i in space.choice_indices(unit)[:, 0]]


def test_snap_moves_points_onto_the_values_they_decode_to():
    space = mixed_space()
    unit = np.random.default_rng(4).random((50, len(space)))
    snapped = space.snap(unit)
    assert space.decode(snapped) == space.decode(unit)
    assert np.array_equal(space.snap(snapped), snapped)  # already on valid points: a fixed point
    assert not np.array_equal(snapped[:, 2:], unit[:, 2:])  # integers and choices moved to cell values
    floats = Space({"a": Float(0.0, 1.0), "b": Float(1e-3, 1.0, log=True)})
    points = unit[:, :2]
    assert floats.snap(points) is points  # only Floats: nothing to snap, and no rounding error added


def test_neighbours_of_each_kind_differ_in_one_parameter_and_stay_inside():
    space = mixed_space()
    assert space.values_near("act", "tanh", 0.1) == ["relu", "gelu"]
    assert space.values_near("flag", True, 0.1) == [False]
    assert space.values_near("n", 3, 0.01) == [2, 4]  # a step under one integer still moves to the next
    assert space.values_near("n", 5, 0.01) == [4]  # at the upper bound: only down
    assert space.values_near("x", 3.0, 0.1) == [pytest.approx(2.5)]  # clipped: nothing above high
    config = {"x": 0.0, "lr": 1e-3, "n": 3, "units": 64, "act": "relu", "flag": False}
    found = space.neighbours(config, 0.1)
    assert len(found) == 2 + 2 + 2 + 2 + 2 + 1
    for other in found:
        assert space.check(other) is None
        assert sum(other[k] != config[k] for k in config) == 1


def test_pbt_perturbations_stay_in_range_and_keep_the_kind():
    lr, n, act = Float(1e-4, 1.0, log=True), Int(1, 10), Categorical(("a", "b"))
    assert lr.numeric and n.numeric and not act.numeric
    assert lr.scaled(0.1, 1.2) == pytest.approx(0.12) and lr.scaled(0.9, 1.2) == 1.0  # clipped to high
    assert n.scaled(7, 0.8) == 6 and type(n.scaled(7, 0.8)) is int and n.scaled(1, 0.8) == 1
    assert n.shifted(5, np.array([0.1])) == 6  # one cell of ten on the unit cube
    assert lr.shifted(1e-2, np.array([5.0])) == 1.0 and lr.shifted(1e-2, np.array([-5.0])) == pytest.approx(1e-4)
