"""Load the package's data files (lexicons, patterns, rules) with schema checks.

Every loader fails with a :class:`DataFileError` that names the file, the line
and what is wrong, so that a user who edits a lexicon sees where the mistake is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kg.errors import DataFileError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Base for data-file schemas: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def data_dir() -> Path:
    """The folder of data files shipped inside the package."""
    return Path(str(resources.files("kg") / "data"))


def data_path(*parts: str) -> Path:
    return data_dir().joinpath(*parts)


def ontology_dir() -> Path:
    """`ontology/` at the repository root, or its copy inside an installed wheel."""
    packaged = Path(str(resources.files("kg") / "ontology"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "ontology"


# Files of the package that do not shape a report's graph: the interfaces over built graphs.
_NOT_IN_FINGERPRINT = frozenset(
    {"cli.py", "serve.py", "sparql.py", "panel.py", "evaluate.py", "progress.py", "distributed.py"}
)


@cache
def build_fingerprint() -> str:
    """What builds a report's graph: the versions of kg, jieba and spaCy, and a digest of kg's
    code, rules, lexicons and ontology (not of its query, serving and command-line code).
    A store extracts again a report whose graph another build of kg made."""
    from kg import __version__

    package = Path(str(resources.files("kg")))
    files = {
        p.relative_to(package).as_posix(): p
        for p in package.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".yaml", ".yml", ".json", ".jsonl", ".txt", ".tsv", ".csv", ".ttl"}
        and "__pycache__" not in p.parts
        and p.name not in _NOT_IN_FINGERPRINT
        and p.parent.name != "queries"
    }
    files.update({f"ontology/{p.name}": p for p in ontology_dir().glob("*.ttl")})
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}\0".encode())
        h.update(files[name].read_bytes().replace(b"\r\n", b"\n"))
        h.update(b"\0")
    versions = f"kg {__version__} jieba {metadata.version('jieba')} spacy {metadata.version('spacy')}"
    return f"{versions} {h.hexdigest()[:16]}"


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else err["msg"]


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line that is neither blank nor a `#` comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(path, None, f"cannot read: {exc}") from exc
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield n, line.rstrip("\r\n")


def load_jsonl(path: Path, model: type[M]) -> list[M]:
    """Validate each JSON line of `path` against `model`."""
    out: list[M] = []
    for n, line in read_lines(path):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(path, n, f"not valid JSON ({exc.msg}); each line must be one JSON object") from exc
        try:
            out.append(model.model_validate(raw))
        except ValidationError as exc:
            raise DataFileError(path, n, _first_error(exc)) from exc
    return out


def load_tsv(path: Path, columns: tuple[str, ...], required: int | None = None) -> list[dict[str, str]]:
    """Rows of a tab-separated lexicon; `required` leading columns must be non-empty."""
    need = len(columns) if required is None else required
    rows: list[dict[str, str]] = []
    for n, line in read_lines(path):
        cells = line.split("\t")
        if len(cells) > len(columns) or len(cells) < need or any(not c.strip() for c in cells[:need]):
            raise DataFileError(
                path, n, f"expected {need} to {len(columns)} tab-separated columns ({', '.join(columns)}), got {line!r}"
            )
        cells += [""] * (len(columns) - len(cells))
        rows.append(dict(zip(columns, (c.strip() for c in cells), strict=True)))
    return rows


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """Line (1-based) of the YAML node that a pydantic error location points at."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
    return node.start_mark.line + 1


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (parses about 10× faster), else the Python one."""


def load_yaml(path: Path, model: type[M]) -> M:
    """Parse a YAML file and validate it against `model`, reporting the failing line."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_SafeLoader)
    except OSError as exc:
        raise DataFileError(path, None, f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataFileError(path, mark.line + 1 if mark else None, f"not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        # The nodes (with their lines) are only needed to name the failing line.
        node = yaml.compose(text, Loader=_SafeLoader)
        line = _line_of(node, tuple(exc.errors()[0]["loc"])) if node is not None else None
        raise DataFileError(path, line, _first_error(exc)) from exc


@cache
def word_list(name: str) -> frozenset[str]:
    """A one-word-per-line list from `kg/data/lexicons/`."""
    return frozenset(line.strip() for _, line in read_lines(data_path("lexicons", name)))
