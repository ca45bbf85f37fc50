"""YAML configuration files validated by pydantic, whose errors name the line and the reason.

A topic registry or a screen definition is read with ``load_validated(text, Model, source)``: the YAML is
parsed once into Python values and once into its node tree, which gives every key and list item its line;
a pydantic error's location (``("cities", "luan", 2, "rules", "themes")``) is then reported at the line of
the deepest node it reaches, as ``topics.yaml line 41: cities → luan → 2 → rules → themes: …``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
Location = tuple[str | int, ...]


class ConfigFileError(ValueError):
    """A configuration file that cannot be used; ``problems`` are (line, reason) pairs, the message lists them."""

    def __init__(self, source: str, problems: Iterable[tuple[int, str]]):
        self.source = source
        self.problems = sorted(set(problems))
        super().__init__("\n".join(f"{source} line {line}: {reason}" for line, reason in self.problems))


def node_lines(node: yaml.Node, path: Location = ()) -> dict[Location, int]:
    """The 1-based line of every mapping value and sequence item under ``node``, by its location."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines |= node_lines(value, child)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines |= node_lines(item, (*path, index))
    return lines


def line_of(lines: dict[Location, int], loc: Location) -> int:
    """The line of the deepest node ``loc`` reaches; parts the file lacks (a union's tag, a model's name) are skipped."""
    reached: Location = ()
    for part in loc:
        if (*reached, part) in lines:
            reached = (*reached, part)
    return lines.get(reached, 1)


def parse_yaml(text: str, source: str) -> tuple[object, dict[Location, int]]:
    """The values of a YAML text and the line of each location.

    Raises:
        ConfigFileError: for text that is not YAML, at the line where parsing stopped.
    """
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigFileError(source, [((mark.line + 1) if mark else 1, f"not valid YAML: {exc.problem or exc}")]) from exc
    return data, (node_lines(node) if node is not None else {(): 1})


def describe(loc: Location, lines: dict[Location, int]) -> str:
    """A pydantic location as a reader follows it in the file (``screens → overview → left → 1 → tiles``): the
    parts the file has, and a last part it lacks (a missing field); a union's tag or a model's name is left out."""
    reached: Location = ()
    parts = []
    for index, part in enumerate(loc):
        if (*reached, part) in lines:
            reached = (*reached, part)
            parts.append(str(part))
        elif index == len(loc) - 1:
            parts.append(str(part))
    return " → ".join(parts)


def validation_problems(exc: ValidationError, lines: dict[Location, int]) -> list[tuple[int, str]]:
    """Each error of a pydantic validation as (line, "where: reason (got …)")."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        reason = err["msg"].removeprefix("Value error, ")
        if err["type"] != "missing" and isinstance(err.get("input"), (str, int, float)):
            reason += f" (got {err['input']!r})"
        where = describe(loc, lines)
        problems.append((line_of(lines, loc), f"{where}: {reason}" if where else reason))
    return problems


def load_validated(text: str, model: type[Model], source: str) -> tuple[Model, dict[Location, int]]:
    """Parse ``text`` and validate it as ``model``; also return the lines, for checks across entries.

    Raises:
        ConfigFileError: every problem with its line.
    """
    data, lines = parse_yaml(text, source)
    try:
        return model.model_validate(data if data is not None else {}), lines
    except ValidationError as exc:
        raise ConfigFileError(source, validation_problems(exc, lines)) from exc
