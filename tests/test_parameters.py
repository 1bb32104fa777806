"""Parameters: values, limits, locks, linking (equality constraints) and the free-parameter vector."""

import numpy as np
import pytest

from polychrome.param import FreeParameters, Parameter, ParameterSet, free_quantities


def test_scalar_and_array_values():
    q = Parameter("q", 0.6, uncertainty=0.01, limits=(0, 1), units="")
    assert q.value == 0.6 and isinstance(q.value, float) and q.uncertainty == 0.01 and q.size == 1
    center = Parameter("center", [1.5, -2.0], units="arcsec")
    np.testing.assert_array_equal(center.value, [1.5, -2.0])
    assert center.shape == (2,) and center.size == 2 and center.limits == (-np.inf, np.inf)
    returned = center.value
    returned[0] = 99.0
    assert center.value[0] == 1.5  # .value is a copy
    q.value = 0.9
    assert q.value == 0.9
    unset = Parameter("Re", limits=(0, None))
    assert unset.value is None and unset.size == 0 and unset.shape is None
    unset.value = 3.0
    assert unset.value == 3.0


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(value=1.5, limits=(0, 1)), ValueError, "parameter 'p': value .* outside its limits"),
    (dict(value=np.nan), ValueError, "parameter 'p': value must be finite"),
    (dict(value="abc"), TypeError, "parameter 'p': value must be a number"),
    (dict(value=1.0, limits=(2, 1)), ValueError, "parameter 'p': limits must satisfy lo < hi"),
    (dict(value=1.0, limits=5), ValueError, "parameter 'p': limits must be"),
    (dict(value=1.0, uncertainty=-0.1), ValueError, "parameter 'p': uncertainty must be >= 0"),
    (dict(value=[1.0, 2.0], uncertainty=[0.1, 0.1, 0.1]), ValueError, "uncertainty must have the value's shape"),
    (dict(value=1.0, cyclic=True), ValueError, "cyclic parameter needs finite limits"),
    (dict(value=1.0, units=3), TypeError, "units must be a string"),
])
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        Parameter("p", **kwargs)


def test_bad_assignments_name_the_parameter():
    q = Parameter("q", 0.5, limits=(0, 1))
    with pytest.raises(ValueError, match="parameter 'q'.*outside"):
        q.value = -0.1
    assert q.value == 0.5
    center = Parameter("center", [0.0, 0.0])
    with pytest.raises(ValueError, match="parameter 'center': value must keep shape"):
        center.value = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="cannot be set to None"):
        q.value = None
    with pytest.raises(ValueError, match="outside"):
        q.limits = (0.6, 1.0)
    assert q.limits == (0.0, 1.0)
    with pytest.raises(TypeError, match="name"):
        Parameter("", 1.0)


def test_cyclic_parameter_wraps():
    pa = Parameter("PA", 3.5, limits=(0, np.pi), cyclic=True, units="rad")
    assert pa.value == pytest.approx(3.5 - np.pi)
    pa.value = -0.25
    assert pa.value == pytest.approx(np.pi - 0.25)
    pa.limits = (-np.pi / 2, np.pi / 2)
    assert pa.value == pytest.approx(-0.25)
    with pytest.raises(ValueError, match="parameter 'PA': a cyclic parameter needs finite limits"):
        pa.limits = (0, None)


def test_linked_parameters_are_one_quantity():
    a = Parameter("center", [1.0, 2.0], limits=(-10, 10))
    b = Parameter("center", [5.0, 5.0], limits=(-10, 10))  # one quantity, one range: see below
    b.link_to(a)
    np.testing.assert_array_equal(b.value, [1.0, 2.0])  # b adopts a's state
    assert b.limits == (-10, 10) and a.is_linked_to(b)
    b.value = [3.0, 4.0]
    np.testing.assert_array_equal(a.value, [3.0, 4.0])
    a.value = [-1.0, 0.5]
    np.testing.assert_array_equal(b.value, [-1.0, 0.5])
    with pytest.raises(ValueError, match="outside"):
        b.value = [20.0, 0.0]
    b.locked = True
    assert a.locked
    b.uncertainty = [0.1, 0.2]
    np.testing.assert_array_equal(a.uncertainty, [0.1, 0.2])


def test_parameters_with_different_limits_or_cyclicity_are_not_linked():
    """Linking used to hand one side the other's limits silently (a Sersic n linked to a Moffat n
    took the Moffat range); now the link is refused until both have the same range."""
    sersic_n = Parameter("n", 2.0, limits=(0.36, 10))
    moffat_n = Parameter("n", 2.0, limits=(0.1, 100))
    with pytest.raises(ValueError, match=r"cannot link parameter 'n' \(limits \[0.36, 10.0\]\) to 'n' "
                                         r"\(limits \[0.1, 100.0\]\).*same limits"):
        sersic_n.link_to(moffat_n)
    assert not sersic_n.is_linked_to(moffat_n) and moffat_n.limits == (0.1, 100)
    moffat_n.limits = (0.36, 10)
    sersic_n.link_to(moffat_n)
    assert sersic_n.is_linked_to(moffat_n)
    angle = Parameter("PA", 1.0, limits=(0, np.pi), cyclic=True)
    with pytest.raises(ValueError, match="cyclic"):
        Parameter("PA", 1.0, limits=(0, np.pi)).link_to(angle)


@pytest.mark.parametrize("flag", ["false", "True", 0, 1, None, 1.0])
def test_locked_takes_only_booleans(flag):
    """bool("false") is True: a string (or number) for locked is refused, not guessed."""
    with pytest.raises(TypeError, match=r"parameter 'q': locked must be True or False"):
        Parameter("q", 0.5, locked=flag)
    parameter = Parameter("q", 0.5, locked=np.bool_(True))
    assert parameter.locked is True
    with pytest.raises(TypeError, match="locked must be True or False"):
        parameter.locked = flag
    assert parameter.locked is True


def test_linking_is_transitive_and_unlinking_detaches_one():
    a, b, c = (Parameter("q", v, limits=(0, 1)) for v in (0.3, 0.5, 0.7))
    c.link_to(b)
    b.link_to(a)  # c follows b into a's quantity
    assert c.is_linked_to(a) and len(a.linked) == 3
    c.value = 0.9
    assert a.value == b.value == 0.9
    b.unlink()
    assert b.value == 0.9 and not b.is_linked_to(a) and c.is_linked_to(a)
    b.value = 0.1
    assert a.value == c.value == 0.9
    a.value = 0.2
    assert b.value == 0.1 and c.value == 0.2
    b.unlink()  # unlinking a lone parameter does nothing
    assert b.linked == [b]


def test_linking_errors_and_unset_values():
    a = Parameter("center", [0.0, 0.0])
    with pytest.raises(ValueError, match="cannot link parameter 'x' of shape"):
        Parameter("x", 1.0).link_to(a)
    with pytest.raises(TypeError, match="can only link to a Parameter"):
        a.link_to(3.0)
    unset = Parameter("center")
    a.link_to(unset)  # the unset one takes a's value
    np.testing.assert_array_equal(unset.value, [0.0, 0.0])


def test_parameter_set():
    params = ParameterSet([Parameter("q", 0.5, limits=(0, 1)), Parameter("PA", 0.1)])
    params.add(Parameter("n", 2.0))
    assert params.names == ["q", "PA", "n"] and len(params) == 3 and "PA" in params
    assert params["n"].value == 2.0 and [p.name for p in params] == params.names
    params.update({"q": 0.7, "n": 4.0})
    assert params.values() == {"q": 0.7, "PA": 0.1, "n": 4.0}
    with pytest.raises(KeyError, match="no parameter named 'Re'"):
        params["Re"]
    with pytest.raises(ValueError, match="already in the set"):
        params.add(Parameter("q", 0.1))
    with pytest.raises(TypeError, match="holds Parameters"):
        params.add(0.5)


def test_free_quantities_skip_locked_and_count_linked_once():
    center_a = Parameter("center", [1.0, 2.0])
    q_a = Parameter("q", 0.5, limits=(0, 1))
    n_a = Parameter("n", 2.0, locked=True)
    center_b = Parameter("center", [0.0, 0.0])
    q_b = Parameter("q", 0.8, limits=(0, 1))
    center_b.link_to(center_a)
    params = [center_a, q_a, n_a, center_b, q_b]
    free = free_quantities(params)
    assert [(p.name, size) for p, size in free] == [("center", 2), ("q", 1), ("q", 1)]
    assert free[0][0] is center_a

    vector = FreeParameters(params)
    assert vector.size == 4 and vector.names == ["center", "q", "q"]
    np.testing.assert_array_equal(vector.get_values(), [1.0, 2.0, 0.5, 0.8])
    assert vector.slice_of(center_b) == vector.slice_of(center_a) == slice(0, 2)
    assert vector.slice_of(n_a) is None and vector.slice_of(q_b) == slice(3, 4)
    vector.set_values([3.0, 4.0, 0.25, 0.75])
    np.testing.assert_array_equal(center_b.value, [3.0, 4.0])
    assert q_a.value == 0.25 and q_b.value == 0.75 and n_a.value == 2.0
    with pytest.raises(ValueError, match="parameter 'q'.*outside"):
        vector.set_values([0.0, 0.0, 1.5, 0.5])
    vector.set_values([0.0, 0.0, 1.5, -0.5], clip_to_limits=True)
    assert q_a.value == 1.0 and q_b.value == 0.0
    vector.set_uncertainties([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(center_b.uncertainty, [0.1, 0.2])
    np.testing.assert_array_equal(vector.get_uncertainties(), [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match=r"vector must have shape \(4,\)"):
        vector.set_values([1.0, 2.0])


def test_free_quantities_errors_and_empty():
    with pytest.raises(ValueError, match="parameter 'Re' is free but has no value"):
        free_quantities([Parameter("Re")])
    with pytest.raises(TypeError, match="expected Parameters"):
        free_quantities([1.0])
    empty = FreeParameters([Parameter("x", 1.0, locked=True)])
    assert empty.size == 0 and empty.get_values().shape == (0,) and empty.get_uncertainties().shape == (0,)


def test_set_uncertainties_stores_what_the_setters_store_and_raises_as_they_do():
    def parameters():
        center = Parameter("center", [1.0, 2.0])
        q = Parameter("q", 0.5, limits=(0, 1))
        n = Parameter("n", 2.0)
        return [center, q, n]

    for vector in ([0.1, 0.2, 0.3, 0.4], [0.0, -0.0, np.inf, 7e-300]):
        ours, theirs = parameters(), parameters()
        free = FreeParameters(ours)
        source = np.array(vector)
        free.set_uncertainties(source)
        start = 0
        for mine, plain in zip(ours, theirs):
            plain.uncertainty = np.array(vector[start:start + plain.size]).reshape(plain.shape)
            start += plain.size
            stored, expected = mine.quantity.uncertainty, plain.quantity.uncertainty
            assert type(stored) is type(expected) and stored.dtype == expected.dtype
            assert stored.shape == expected.shape and np.array_equal(stored, expected)
            assert np.array_equal(np.signbit(stored), np.signbit(expected))
            assert not np.shares_memory(stored, source)
    for bad, match in (([0.1, np.nan, 0.3, 0.4], "center.*>= 0 or inf"), ([0.1, 0.2, -0.3, 0.4], "'q'.*>= 0"),
                       ([0.1, 0.2, 0.3, -np.inf], "'n'.*>= 0 or inf")):
        with pytest.raises(ValueError, match=match):
            FreeParameters(parameters()).set_uncertainties(bad)


def test_plain_float_values_are_stored_as_numpys_checks_store_them():
    """Floats and lists of floats are checked in Python (shared_quantity._plain_value): what is
    stored (digits, type, shape) is what the numpy path stores, cyclic wrapping included, and
    what that path refuses is still refused."""
    from polychrome.param.shared_quantity import SharedQuantity, as_limits, as_value_array

    def numpy_path(quantity, value):
        array = as_value_array(value, "x")
        lo, hi = quantity.limits
        return lo + np.mod(array - lo, hi - lo) if quantity.cyclic else array

    rng = np.random.default_rng(5)
    cases = [((0.0, np.pi), True, v) for v in [*rng.normal(0, 20, 200).tolist(), 0.0, -0.0, np.pi, -np.pi, 3 * np.pi]]
    cases += [((-1.0, 2.5), True, v) for v in rng.normal(0, 5, 50).tolist()]
    cases += [((0.03, 1.0), False, v) for v in (0.03, 1.0, 0.5, np.float64(0.25))]
    cases += [((None, None), False, [v, -v]) for v in rng.normal(0, 3, 20).tolist()] + [((None, None), False, [])]
    for limits, cyclic, value in cases:
        quantity = SharedQuantity(as_limits(limits, "x"), cyclic=cyclic)
        stored, expected = quantity.checked_value(value, "x"), numpy_path(quantity, value)
        assert type(stored) is type(expected) and stored.dtype == expected.dtype
        assert np.shape(stored) == np.shape(expected) and stored.tobytes() == expected.tobytes(), (limits, value)
    for value in (1.5, 0.01, float("nan"), float("inf"), [0.5, float("nan")], [0.5, 2.0]):
        with pytest.raises(ValueError):
            SharedQuantity((0.03, 1.0)).checked_value(value, "x")
    scalar = SharedQuantity((-np.inf, np.inf))
    scalar.value = np.array(1.0)
    with pytest.raises(ValueError, match="keep shape"):
        scalar.checked_value([1.0, 2.0], "x")
    pair = SharedQuantity((-np.inf, np.inf))
    pair.value = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="keep shape"):
        pair.checked_value(1.0, "x")


def test_parameters_made_from_a_declaration_are_the_constructors():
    """make_parameter (limits checked once per declaration, see parameter_spec._checked_limits)
    gives the parameter Parameter(...) gives: name, units, limits (the sign of a zero limit kept),
    lock, cyclicity; and the constructor's errors for bad limits, named after the model."""
    from polychrome.models.parameter_spec import ParameterSpec, make_parameter

    spec = ParameterSpec("PA", "rad", limits=(0.0, np.pi), cyclic=True)
    for given in (None, 1.0, {"value": 4.0, "locked": True}, {"limits": (-0.0, 3)}, {"limits": (0, 3)},
                  {"limits": [0.0, 3.0]}, {"limits": (np.float64(0.5), 3.0)}):
        made = make_parameter(spec, given, "m", ())
        fields = given if isinstance(given, dict) else {"value": given}
        built = Parameter("PA", fields.get("value"), limits=fields.get("limits", spec.limits),
                          locked=fields.get("locked", False), units="rad", cyclic=True)
        assert (made.name, made.units, made.locked, made.cyclic) == (built.name, built.units, built.locked, True)
        assert np.array(made.limits).tobytes() == np.array(built.limits).tobytes()
        assert np.array(made.value).tobytes() == np.array(built.value).tobytes()
    assert np.signbit(make_parameter(spec, {"limits": (-0.0, 3.0)}, "m", ()).limits[0])
    assert not np.signbit(make_parameter(spec, {"limits": (0.0, 3.0)}, "m", ()).limits[0])
    for limits in ((3.0, 1.0), (0.0, None), (0.0, float("nan")), (0.0, 1.0, 2.0)):
        with pytest.raises(ValueError, match="model 'm'"):
            make_parameter(spec, {"limits": limits}, "m", ())
    with pytest.raises(TypeError, match="locked"):
        make_parameter(spec, {"locked": "yes"}, "m", ())


def test_parameters_without_a_value_keep_their_own_declarations_limits():
    """make_parameter(spec, None) (limits kept per declaration object, see
    parameter_spec._declared_limits): two equal declarations but for the sign of a zero limit each
    keep their own, a declaration of list limits gives the constructor's, and a bad declaration
    raises the constructor's error named after the model, every time."""
    from polychrome.models.parameter_spec import ParameterSpec, make_parameter

    positive, negative = ParameterSpec("x", limits=(0.0, 1.0)), ParameterSpec("x", limits=(-0.0, 1.0))
    assert positive == negative
    for _ in range(2):
        assert not np.signbit(make_parameter(positive, None, "m", ()).limits[0])
        assert np.signbit(make_parameter(negative, None, "m", ()).limits[0])
    listed = ParameterSpec("x", "arcsec", limits=[0.5, 2.0])
    made, built = make_parameter(listed, None, "m", ()), Parameter("x", limits=[0.5, 2.0], units="arcsec")
    assert (made.name, made.units, made.locked, made.value) == (built.name, built.units, built.locked, None)
    assert np.array(made.limits).tobytes() == np.array(built.limits).tobytes()
    for _ in range(2):
        with pytest.raises(ValueError, match="model 'm'"):
            make_parameter(ParameterSpec("x", limits=(2.0, 1.0)), None, "m", ())


def test_parameters_given_a_value_keep_their_declarations_limits_and_errors():
    """make_parameter(spec, value) for a value that is not a dict (the declaration's limits kept per
    declaration object, as for None): the constructor's parameter for numbers, lists and arrays, a
    cyclic value wrapped, each declaration's own zero sign; a bad declaration, a wrong shape and a
    value outside the limits raise errors named after the model."""
    from polychrome.models.parameter_spec import ParameterSpec, make_parameter

    declarations = [ParameterSpec("PA", "rad", limits=(0.0, np.pi), cyclic=True),
                    ParameterSpec("x", "arcsec", limits=(-0.0, 5.0)), ParameterSpec("x", limits=[0.5, 2.0]),
                    ParameterSpec("center", "arcsec", shape=(2,))]
    values = {"PA": (1.0, 4.0, -0.5, np.float64(2.0)), "x": (1.0, 2, np.array(1.5)),
              "center": ([1.0, -2.0], np.array([0.5, 0.25]), (3.0, 4.0))}
    for spec in declarations:
        for value in values[spec.name]:
            for _ in range(2):
                made = make_parameter(spec, value, "m", spec.shape)
                built = Parameter(spec.name, value, limits=spec.limits, units=spec.units, cyclic=spec.cyclic)
                assert (made.name, made.units, made.locked, made.cyclic) == \
                    (built.name, built.units, built.locked, built.cyclic)
                assert np.array(made.limits).tobytes() == np.array(built.limits).tobytes()
                assert np.array(made.value).tobytes() == np.array(built.value).tobytes()
                assert type(made.value) is type(built.value)
    assert np.signbit(make_parameter(declarations[1], 1.0, "m", ()).limits[0])
    with pytest.raises(ValueError, match="model 'm'.*outside its limits"):
        make_parameter(declarations[1], 6.0, "m", ())
    with pytest.raises(ValueError, match="model 'm'.*must be a scalar"):
        make_parameter(declarations[1], [1.0, 2.0], "m", ())
    with pytest.raises(ValueError, match="model 'm'.*shape \\(2,\\)"):
        make_parameter(declarations[3], 1.0, "m", (2,))
    for _ in range(2):
        with pytest.raises(ValueError, match="model 'm'"):
            make_parameter(ParameterSpec("x", limits=(2.0, 1.0)), 1.5, "m", ())
