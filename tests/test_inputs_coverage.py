"""Every public function, class and method of `utils` has a bad-input case (or a stated reason not to).

The cases live in tests/test_inputs_*.py, one file per group of modules; each file
holds `CASES` (run by its own test) and `EXEMPT` (name -> why it takes no input worth
varying).
"""

import importlib
from pathlib import Path

from bad_inputs import public_callables

GROUPS = sorted(p.stem for p in Path(__file__).parent.glob("test_inputs_*.py") if p.stem != Path(__file__).stem)


def _gathered() -> tuple[list[str], dict[str, str]]:
    cases, exempt = [], {}
    for group in GROUPS:
        module = importlib.import_module(group)
        cases += [case.name for case in module.CASES]
        exempt.update(module.EXEMPT)
    return cases, exempt


def test_every_public_callable_has_a_case():
    cases, exempt = _gathered()
    missing = sorted(public_callables() - set(cases) - set(exempt))
    assert not missing, f"{len(missing)} public callables have no bad-input case: {missing}"


def test_cases_and_exemptions_name_real_callables():
    cases, exempt = _gathered()
    unknown = sorted((set(cases) | set(exempt)) - public_callables())
    assert not unknown, f"cases or exemptions for names utils does not define: {unknown}"
    assert all(len(reason) > 10 for reason in exempt.values()), "say why each exemption takes no bad input"
