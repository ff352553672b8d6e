"""Normalise and link: canonical labels, aliases, region-relative names, stable IRIs.

An entity's IRI depends only on its type and canonical name, and for
region-relative names (区政府, 区委, 人大 …) on the report's region too, so the
same input always gives the same IRIs and 上城区's 区政府 is not 拱墅区's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from kg.ingest import divisions
from kg.resources import word_list

BASE = "https://w3id.org/kg-gov/id/"
_QUOTES = str.maketrans("", "", "“”‘’\"'《》「」『』")
_TYPE_PATH = {"Place": "place", "Organization": "org", "Project": "project", "Program": "program", "Event": "event"}
_RELATIVE_PREFIXES = ("省", "区", "市", "县", "镇", "乡")
_IRI_SAFE_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")


@dataclass(frozen=True)
class Entity:
    """A linked entity: `label` is canonical, `alias` the surface form when it differs."""

    type: str
    label: str
    iri: str
    alias: str | None = None
    region: str | None = None  # set for region-relative names


def canonical_label(text: str) -> str:
    """No quote marks, one punctuation width (full-width ASCII forms folded to half width)."""
    folded = "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text.translate(_QUOTES)
    )
    return " ".join(folded.split())


def iri_segment(text: str) -> str:
    """Escape a label for use in an IRI path: Unicode letters stay, the rest is %-encoded."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in _IRI_SAFE_ASCII or (ord(ch) > 127 and cat[0] in "LNM"):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


@cache
def _division_names() -> frozenset[str]:
    return frozenset(row["name"] for row in divisions())


def is_region_relative(label: str) -> bool:
    """Names whose referent depends on the report's region: 区政府, 区图书馆, 人大, 政协 …"""
    if label in word_list("relative_names.txt"):
        return True
    return (
        len(label) >= 2
        and label.startswith(_RELATIVE_PREFIXES)
        and label not in _division_names()
        and not any(label.startswith(d) for d in ("市场", "区块", "区域", "县域", "市区", "乡村", "镇村"))
    )


def entity_iri(type_: str, label: str, region: str | None = None) -> str:
    path = _TYPE_PATH[type_]
    if region:
        return f"{BASE}{path}/{iri_segment(region)}/{iri_segment(label)}"
    return f"{BASE}{path}/{iri_segment(label)}"


@cache
def _short_forms() -> dict[str, list[tuple[str, str, str]]]:
    """Short form → [(full name, province code, level)]."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for row in divisions():
        if row["short"]:
            out.setdefault(row["short"], []).append((row["name"], row["code"][:2], row["level"]))
    return out


@cache
def _province_of(region: str | None) -> str | None:
    return next((row["code"][:2] for row in divisions() if region and row["name"] == region), None)


def expand_short_form(short: str, region: str | None) -> str:
    """拱墅 → 拱墅区. A county-level short form is expanded only inside the report's own
    province (祥符 in a Hangzhou report is not Kaifeng's 祥符区); provinces and cities
    are expanded wherever the short form names just one of them."""
    options = _short_forms().get(short, [])
    province = _province_of(region)
    local = {name for name, prov, _ in options if prov == province}
    if len(local) == 1:
        return local.pop()
    wide = {name for name, _, level in options if level != "county"}
    if len(wide) == 1 and len({name for name, _, _ in options}) == 1:
        return wide.pop()
    return short


def link(text: str, type_: str, canonical: str | None, region: str | None) -> Entity:
    """The entity a mention refers to; `canonical` overrides the label found from `text`."""
    surface = canonical_label(text)
    if canonical:
        label = canonical_label(canonical)
    elif type_ == "Place":
        label = expand_short_form(surface, region)
    else:
        label = surface
    relative = region if region and type_ in ("Organization", "Project") and is_region_relative(label) else None
    return Entity(
        type=type_,
        label=label,
        iri=entity_iri(type_, label, relative),
        alias=surface if surface != label else None,
        region=relative,
    )
