"""Read the exercises out of a chapter: statement, set-up, solution, checks, and what follows.

Every chapter ends with a "## Exercises" section in which each exercise has the same shape:

    markdown   **Exercise 6.3 (title).** the statement ...      (may follow other text in its cell)
    code       set-up cells, such as `answer_3 = None  # your answer`   (none or more)
    code       # Solution ...                                   (one, tagged to stay off the website)
    code       assert ..., "Not yet: ..."; print("Correct: ...") (one or more: the checks)
    any        a demo cell showing the evidence, a remark       (none or more)

`read_chapter` splits a chapter into the cells before the exercises, the exercises, and the
cells after them (the summary onwards), and fails with a `ValueError` that names the chapter
and the exercise when one lacks its solution or its check. scripts/assignments.py turns the
exercises into graded assignments, scripts/solutions_page.py into the instructor appendix.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

try:
    from scripts.book import ROOT
except ImportError:  # run from scripts/
    from book import ROOT

SOLUTION_MARK = "# Solution"
_STATEMENT = re.compile(r"^\*\*Exercise (\d+)\.(\d+)\b", re.M)
_HEADING = re.compile(r"^## ", re.M)


@dataclass
class Exercise:
    """One exercise of a chapter, as cells of the chapter notebook."""

    number: str  # "6.3"
    k: int  # 3: the exercise's place in its chapter, and its question name q3
    intro: str  # markdown before the statement in the statement's cell ("" if none)
    statement: str  # the markdown from "**Exercise 6.3" to the end of its cell
    setup: list[NotebookNode]  # code cells between the statement and the solution
    solution: NotebookNode
    checks: list[NotebookNode]
    after: list[NotebookNode] = field(default_factory=list)  # demo cells and remarks up to the next exercise


@dataclass
class Chapter:
    path: Path
    notebook: NotebookNode
    before: list[NotebookNode]  # every cell before the first exercise's cell
    exercises: list[Exercise]
    tail: list[NotebookNode]  # the summary and everything after it

    @property
    def name(self) -> str:
        return self.path.stem


def display_path(path: Path) -> str:
    """chapters/06_positional_encoding.ipynb for a chapter of this book, else the path as given."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def is_solution(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(SOLUTION_MARK)


def is_check(cell: NotebookNode) -> bool:
    """A check cell asserts something with a message for the reader ("Not yet: ...")."""
    if cell.cell_type != "code" or is_solution(cell):
        return False
    return any(isinstance(node, ast.Assert) and node.msg is not None for node in ast.walk(parse_cell(cell.source)))


def parse_cell(source: str) -> ast.Module:
    """Parse a code cell, with IPython magics (% and ! lines) read as `pass`."""
    lines = [re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def read_chapter(path: Path) -> Chapter:
    """Split a chapter into the cells before its exercises, the exercises, and the cells after them."""
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and _STATEMENT.search(c.source)]
    if not starts:
        raise ValueError(f"{display_path(path)}: no exercises (a markdown cell starting '**Exercise N.k')")
    headings = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and _HEADING.search(c.source)]
    end = next((i for i in headings if i > starts[0]), len(cells))  # the summary's cell
    starts = [i for i in starts if i < end]
    exercises = [_read_exercise(path, cells, i, j) for i, j in zip(starts, [*starts[1:], end], strict=True)]
    chapter = int(path.name[:2])
    for k, exercise in enumerate(exercises, start=1):
        if exercise.number != f"{chapter}.{k}":
            raise ValueError(f"{display_path(path)}, Exercise {exercise.number}: expected Exercise {chapter}.{k}")
    return Chapter(path, nb, cells[: starts[0]], exercises, cells[end:])


def _read_exercise(path: Path, cells: list[NotebookNode], start: int, stop: int) -> Exercise:
    text = cells[start].source
    found = list(_STATEMENT.finditer(text))
    number = f"{found[0].group(1)}.{found[0].group(2)}"
    where = f"{display_path(path)}, Exercise {number}"
    if len(found) > 1:
        raise ValueError(f"{where}: one markdown cell holds two exercises; give each its own cell")
    rest = cells[start + 1 : stop]
    i = 0
    while i < len(rest) and rest[i].cell_type == "code" and not is_solution(rest[i]) and not is_check(rest[i]):
        i += 1
    if i == len(rest) or not is_solution(rest[i]):
        raise ValueError(f"{where}: no solution cell (a code cell starting {SOLUTION_MARK!r}) before its check")
    j = i + 1
    while j < len(rest) and is_check(rest[j]):
        j += 1
    if j == i + 1:
        raise ValueError(f'{where}: no check cell (a code cell with `assert ..., "Not yet: ..."`) after its solution')
    return Exercise(
        number=number,
        k=int(found[0].group(2)),
        intro=text[: found[0].start()].rstrip(),
        statement=text[found[0].start() :].rstrip(),
        setup=rest[:i],
        solution=rest[i],
        checks=rest[i + 1 : j],
        after=rest[j:],
    )


# What the code of a cell binds and reads at its top level (nested functions and lambdas read
# the cell's names when they run, so their reads count too).

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)  # fmt: skip


def _top_level(node: ast.AST):
    """`node` and the nodes under it that run in the cell's own scope (nested scopes are not entered)."""
    yield node
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        yield from _top_level(node.generators[0].iter)  # the first iterable runs in the enclosing scope
    elif not isinstance(node, _SCOPES):
        for child in ast.iter_child_nodes(node):
            yield from _top_level(child)


def bound_names(source: str) -> dict[str, ast.stmt]:
    """The names a cell binds at its top level, each with the top-level statement that binds it last."""
    names: dict[str, ast.stmt] = {}
    for statement in parse_cell(source).body:
        for node in _top_level(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names[node.id] = statement
            elif isinstance(node, ast.alias):
                names[(node.asname or node.name).split(".")[0]] = statement
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names[node.name] = statement
    return names


def read_names(source: str) -> list[str]:
    """The names a cell reads from the notebook before it binds them itself, in order (builtins left out)."""
    read: dict[str, None] = {}
    _read_block(parse_cell(source).body, set(), read)
    return [name for name in read if not hasattr(builtins, name)]


def _read_block(statements: list[ast.stmt], bound: set[str], read: dict[str, None]) -> None:
    for statement in statements:
        blocks = [getattr(statement, f, []) for f in ("body", "orelse", "finalbody")]
        blocks += [handler.body for handler in getattr(statement, "handlers", [])]
        if isinstance(statement, _SCOPES) or not any(blocks):  # a simple statement, def or class
            read.update(dict.fromkeys(n for n in _loads(statement) if n not in bound))
            bound |= set(bound_names(ast.unparse(statement)))
            continue
        # A compound statement: its header (the loop's iterable, the test, the context manager) runs first.
        header: list[ast.AST] = []
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.withitem):  # `with open(f) as fh`: reads open and f, binds fh
                header += [child.context_expr, *([child.optional_vars] if child.optional_vars else [])]
            elif not isinstance(child, ast.stmt | ast.excepthandler):
                header.append(child)
        read.update(dict.fromkeys(n for node in header for n in _loads(node) if n not in bound))
        bound |= {n.id for node in header for n in _top_level(node) if isinstance(n, ast.Name)}
        for block in blocks:
            _read_block(block, bound, read)


def _loads(node: ast.AST) -> list[str]:
    """The names `node` reads in the cell's scope, and those its nested functions and lambdas read."""
    names = [n.id for n in _top_level(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    for table in symtable.symtable(ast.unparse(node), "<cell>", "exec").get_children():
        names += _globals_read(table)
    return names


def _globals_read(table: symtable.SymbolTable):
    """The module-level names that a nested scope (and the scopes inside it) reads."""
    for symbol in table.get_symbols():
        if symbol.is_referenced() and symbol.is_global():
            yield symbol.get_name()
    for child in table.get_children():
        yield from _globals_read(child)
