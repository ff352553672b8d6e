"""Data files: a malformed lexicon, pattern or rule file fails with file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import DataFileError
from kg.ingest import IngestRules, InputRules
from kg.recognise import NameRules, Pattern, QuotedRules
from kg.resources import data_path, load_jsonl, load_tsv, load_yaml
from kg.segment import SegmentRules, tags_produced


def test_shipped_data_files_load() -> None:
    load_yaml(data_path("rules", "ingest.yaml"), IngestRules)
    load_yaml(data_path("input.yaml"), InputRules)
    load_yaml(data_path("rules", "quoted.yaml"), QuotedRules)
    load_yaml(data_path("rules", "segment.yaml"), SegmentRules)
    for path in (data_path("patterns")).glob("*.jsonl"):
        assert load_jsonl(path, Pattern)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"label": "Place", "pattern": "杭州"', "not valid JSON"),
        ('{"label": "City", "pattern": "杭州"}', "label"),
        ('{"label": "Place", "pattern": "杭州", "colour": "red"}', "colour"),
    ],
)
def test_bad_pattern_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('# comment\n{"label": "Place", "pattern": "北京"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_jsonl(path, Pattern)
    assert str(err.value).startswith(f"{path}:3: ")
    assert problem in str(err.value)


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    text = data_path("rules", "quoted.yaml").read_text(encoding="utf-8")
    path = tmp_path / "quoted.yaml"
    path.write_text(text.replace("max_length: 30", "max_length: many"), encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("max_length"))
    with pytest.raises(DataFileError) as err:
        load_yaml(path, QuotedRules)
    assert str(err.value).startswith(f"{path}:{line}: max_length")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = data_path("rules", "quoted.yaml").read_text(encoding="utf-8")
    path = tmp_path / "quoted.yaml"
    path.write_text(text.replace("max_length: 30", "max_length: [30"), encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("max_length"))
    with pytest.raises(DataFileError, match="not valid YAML") as err:
        load_yaml(path, QuotedRules)
    # the parser notices the unclosed list on a later line, never an earlier one
    assert int(str(err.value).removeprefix(f"{path}:").split(":")[0]) > line


def test_shipped_yaml_reads_the_same_with_the_python_parser() -> None:
    """libyaml (used where PyYAML has it) and PyYAML's own parser give the same data."""
    import yaml

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml: kg uses its Python parser")
    for path in sorted(data_path().rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text), path


def test_bad_tsv_row(tmp_path: Path) -> None:
    path = tmp_path / "heads.tsv"
    path.write_text("大厦\tProject\n广场\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r":2: expected 2 to 2 tab-separated columns"):
        load_tsv(path, ("head", "type"))


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("max_bytes: 5000000", "max_bytes: -1", "max_bytes: Input should be greater than 0"),
        ("min_chinese_share: 0.3", "min_chinese_share: 3", "min_chinese_share: Input should be less than or equal"),
        ("html_min_tags: 5", "html_min_tags: 5\nhtml_tags: 3", "html_tags: Extra inputs are not permitted"),
    ],
)
def test_bad_input_rules_name_the_line(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = data_path("input.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "input.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1 + (1 if "\n" in new else 0)
    with pytest.raises(DataFileError) as err:
        load_yaml(path, InputRules)
    assert str(err.value).startswith(f"{path}:{line}: {problem}")


@pytest.mark.parametrize(
    ("value", "problem"),
    [("'[路街'", "not a valid regular expression"), ("'^路为$'", "needs a group")],
)
def test_bad_segment_rule(tmp_path: Path, value: str, problem: str) -> None:
    path = tmp_path / "segment.yaml"
    path.write_text("# split rule\nsplit_guessed: " + value + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_yaml(path, SegmentRules)
    assert str(err.value).startswith(f"{path}:2: ")
    assert problem in str(err.value)


@pytest.mark.parametrize("key", ["reject_inside_untyped", "reject_before", "code_name"])
def test_bad_quoted_pattern_names_its_line(tmp_path: Path, key: str) -> None:
    """A pattern that does not compile fails at load, with the file, its line and the fix."""
    lines = data_path("rules", "quoted.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith(f"{key}:"))
    if lines[at].strip() == f"{key}:":  # a list: spoil its first item
        at += 1
        while not lines[at].startswith("  - "):
            at += 1
        lines[at] = "  - '[式'"
    else:
        lines[at] = f"{key}: '[式'"
    path = tmp_path / "quoted.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_yaml(path, QuotedRules)
    assert str(err.value).startswith(f"{path}:{at + 1}: ")
    assert "not a valid regular expression: '[式'" in str(err.value) and "fix the pattern" in str(err.value)


@pytest.mark.parametrize(("name", "model"), [("names.yaml", NameRules), ("quoted.yaml", QuotedRules)])
def test_rule_files_name_only_tags_the_tokenizer_gives(name: str, model: type[NameRules | QuotedRules]) -> None:
    """A tag list naming a tag no token carries (a typo) would silently switch its rule off."""
    rules = load_yaml(data_path("rules", name), model)
    produced = tags_produced()
    for field, value in rules.model_dump().items():
        if field.endswith("_tags"):
            assert set(value) <= produced, f"{name}: {field} names {sorted(set(value) - produced)}"
