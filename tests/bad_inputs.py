"""The harness behind the bad-input tests (tests/test_inputs_*.py).

A `Case` names one public function, class or method of `utils` and how to build valid
keyword arguments for it. The test first calls it with those arguments (it must work,
leave its inputs unchanged and return no NaN), then, with hypothesis, replaces one
argument at a time by a bad value of the same kind: NaN or infinity in a tensor, a
wrong dtype, an extra or a missing dimension, an empty tensor, an id outside the
vocabulary, an all-False mask, a negative or zero count, NaN as a setting, an empty or
unknown string, an empty list. Every call must then either give a result without NaN,
or raise a ValueError, TypeError or CheckpointError *from inside utils*: an exception
raised deeper down (torch, NumPy, the standard library) means a check is missing.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import utils
from utils.checkpoints import CheckpointError

UTILS = Path(utils.__file__).resolve().parent
EXPECTED = (ValueError, TypeError, CheckpointError)


@dataclass
class Case:
    target: Any  # the function, class or method under test (names the case; called unless `call` is given)
    valid: Callable[[], dict[str, Any]]  # returns fresh valid keyword arguments
    call: Callable[..., Any] | None = None  # how to call the target with those arguments, if not target(**kwargs)
    fixed: tuple[str, ...] = ()  # arguments never replaced by bad values
    nan_ok: bool = False  # the result may legitimately hold NaN
    examples: int = 20  # bad inputs tried
    extra: dict[str, list[Any]] = field(default_factory=dict)  # more bad values for some arguments
    also: tuple[type[BaseException], ...] = ()  # further errors the target raises on purpose (e.g. a diverged loss)

    @property
    def name(self) -> str:
        return qualified_name(self.target)

    def run(self, kwargs: dict[str, Any]) -> Any:
        return (self.call or self.target)(**kwargs)


def qualified_name(obj: Any) -> str:
    obj = getattr(obj, "__func__", obj)
    if isinstance(obj, property):
        obj = obj.fget
    return f"{obj.__module__}.{obj.__qualname__}"


# ----------------------------------------------------------------------------- bad values


def _index(data: st.DataObject, t: torch.Tensor) -> tuple[int, ...]:
    return tuple(data.draw(st.integers(0, s - 1)) for s in t.shape)


def bad_tensor(t: torch.Tensor, data: st.DataObject) -> tuple[str, Any]:
    """A labelled bad variant of tensor `t`."""
    options = ["empty", "extra dim", "not a tensor"]
    if t.dim() >= 1:
        options.append("missing dim")
    if t.dim() >= 1 and t.shape[-1] > 0:
        options.append("wider")
    if t.numel():
        if t.is_floating_point():
            options += ["nan", "inf", "as long"]
        elif t.dtype == torch.bool:
            options += ["all false", "as float"]
        else:
            options += ["negative id", "huge id", "as float"]
    kind = data.draw(st.sampled_from(options))
    x = t.detach().clone()
    if kind == "empty":
        return kind, x[:0] if x.dim() else x.reshape(1)[:0]
    if kind == "extra dim":
        return kind, x.unsqueeze(0)
    if kind == "missing dim":
        return kind, x[..., 0] if x.dim() > 1 else x[0]
    if kind == "wider":
        return kind, torch.cat([x, x[..., :1]], dim=-1)
    if kind == "not a tensor":
        return kind, x.tolist()
    if kind in ("nan", "inf"):
        x[_index(data, x)] = math.nan if kind == "nan" else data.draw(st.sampled_from([math.inf, -math.inf]))
        return kind, x
    if kind == "as long":
        return kind, x.round().long()
    if kind == "as float":
        return kind, x.float()
    if kind == "all false":
        return kind, torch.zeros_like(x)
    if kind == "negative id":
        x[_index(data, x)] = -data.draw(st.integers(1, 5))
        return kind, x
    x[_index(data, x)] = int(x.max()) + data.draw(st.integers(1, 100_000))  # huge id
    return kind, x


def can_vary(value: Any, extra: list[Any]) -> bool:
    """Whether `bad_value` has bad variants of `value`."""
    if isinstance(value, (torch.Tensor, str)) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fiu" and value.size > 0
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return bool(extra)


def bad_value(value: Any, data: st.DataObject, extra: list[Any]) -> tuple[str, Any]:
    """A labelled bad variant of `value` (one for which `can_vary` is true)."""
    if isinstance(value, torch.Tensor):
        return bad_tensor(value, data)
    if isinstance(value, int) and not isinstance(value, bool):
        pool = [-1, 0, -(10**6), 2.5, math.nan, *extra]
    elif isinstance(value, float):
        pool = [math.nan, math.inf, -math.inf, -1.0, 0.0, *extra]
    elif isinstance(value, str):
        pool = ["", "no such thing", *extra]
    elif isinstance(value, np.ndarray) and value.dtype.kind in "fiu" and value.size:
        x = value.astype(float).copy()
        x.flat[data.draw(st.integers(0, x.size - 1))] = math.nan
        pool = [x, value[:0], value[None], *extra]
    elif isinstance(value, (list, tuple)) and value:
        pool = [type(value)(), *extra]
    else:
        pool = extra
    choice = data.draw(st.sampled_from(pool))
    return repr(choice)[:40], choice


# ----------------------------------------------------------------------------- outcomes


def holds_nan(result: Any, depth: int = 0) -> bool:
    if depth > 3:
        return False
    if isinstance(result, torch.Tensor):
        return result.is_floating_point() and bool(torch.isnan(result).any())
    if isinstance(result, np.ndarray):
        return result.dtype.kind == "f" and bool(np.isnan(result).any())
    if isinstance(result, float):
        return math.isnan(result)
    if isinstance(result, (list, tuple)):
        return any(holds_nan(r, depth + 1) for r in result[:50])
    if isinstance(result, dict):
        return any(holds_nan(r, depth + 1) for r in list(result.values())[:50])
    if isinstance(result, pd.DataFrame):
        return bool(result.select_dtypes("number").isna().to_numpy().any())
    return False


def raised_in_utils(err: BaseException) -> bool:
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and UTILS in Path(tb.tb_frame.f_code.co_filename).resolve().parents


def snapshot(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in kwargs.items() if isinstance(v, torch.Tensor)}


def check_baseline(case: Case) -> None:
    kwargs = case.valid()
    before = snapshot(kwargs)
    result = case.run(kwargs)
    for name, old in before.items():
        assert torch.equal(kwargs[name], old), f"{case.name} changed its input {name!r} in place"
    assert case.nan_ok or not holds_nan(result), f"{case.name} returned NaN on valid input"


def check_bad_inputs(case: Case) -> None:
    names = [n for n, v in case.valid().items() if n not in case.fixed and can_vary(v, case.extra.get(n, []))]
    if not names:
        return

    @settings(max_examples=case.examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.data())
    def run(data: st.DataObject) -> None:
        kwargs = case.valid()
        name = data.draw(st.sampled_from(names), label="argument")
        label, kwargs[name] = bad_value(kwargs[name], data, case.extra.get(name, []))
        try:
            result = case.run(kwargs)
        except (*EXPECTED, *case.also) as err:
            if not raised_in_utils(err):
                pytest.fail(f"{case.name}({name}={label}): {type(err).__name__} from outside utils: {err}")
            assert str(err), f"{case.name}({name}={label}) raised {type(err).__name__} with no message"
            return
        except Exception as err:  # noqa: BLE001 - any other exception is the failure being looked for
            pytest.fail(f"{case.name}({name}={label}) raised {type(err).__name__}: {err}")
        if not case.nan_ok and holds_nan(result):
            pytest.fail(f"{case.name}({name}={label}) returned NaN instead of raising a ValueError")

    run()


def run_cases(cases: list[Case]):
    """A parametrised pytest function over `cases`: valid call, then bad inputs."""

    @pytest.mark.parametrize("case", cases, ids=[c.name.removeprefix("utils.") for c in cases])
    def test_bad_inputs(case: Case) -> None:
        check_baseline(case)
        check_bad_inputs(case)

    return test_bad_inputs


# ----------------------------------------------------------------------------- coverage


def public_callables() -> set[str]:
    """Qualified names of every public function, class and method defined in `utils`."""
    names = set()
    for info in pkgutil.iter_modules([str(UTILS)]):
        module = importlib.import_module(f"utils.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                names.add(qualified_name(obj))
            elif inspect.isclass(obj):
                names.add(qualified_name(obj))
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    func = getattr(member, "__func__", member)
                    if inspect.isfunction(func):
                        names.add(f"{module.__name__}.{obj.__qualname__}.{attr}")
    return names
