"""Validation of a period's returns against the register and the returns contract."""
from __future__ import annotations

from .params import Settings
from .problems import Problem, ReturnError
from .register import load_register, register_problems
from .returns import load_period


def validate_period(settings: Settings, period: str) -> list[Problem]:
    """Every problem in the register and the returns of ``period``, errors and warnings."""
    problems: list[Problem] = []
    try:
        register = load_register(settings.data_dir, period, problems)
    except ReturnError as err:
        return [*problems, err.problem]
    problems += register_problems(register)
    returns = load_period(settings.data_dir, period, list(dict.fromkeys(register["directorate"])))
    return problems + returns.problems
