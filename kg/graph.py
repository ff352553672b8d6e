"""Graph: extractions → RDF quads, one named graph per report; serialisation.

Quads are built as pyoxigraph terms (fast to serialise and query); terms come
from :mod:`kg.vocab`. Output is sorted, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.errors import KgError
from kg.facts import Fact, Link, Milestone, fact_key, find_facts
from kg.normalise import BASE, Entity, entity_iri, iri_segment, link
from kg.pipeline import Extraction
from kg.resources import build_fingerprint
from kg.vocab import DCTERMS, ITSRDF, KG, NIF, PREFIXES, PROV, QB, RDF, RDFS, SKOS, VOID, XSD

FORMATS: dict[str, ox.RdfFormat] = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
QUAD_FORMATS = {".trig", ".nq", ".jsonld"}
_TYPE_CLASS = {
    name: f"<{term}>"
    for name, term in {
        "Place": KG.Place,
        "Organization": KG.Organization,
        "Project": KG.Project,
        "Program": KG.Program,
        "Event": KG.Event,
    }.items()
}
_CLASS_TYPE = {cls: name for name, cls in _TYPE_CLASS.items()}
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class _Terms:
    """The N-Triples forms (`<iri>`) of one closed vocabulary namespace's terms, each looked up once.

    An unknown name still raises AttributeError (the namespace is closed); a known one is
    cached as an attribute, so later lookups cost no more than a plain attribute.
    """

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        value = f"<{getattr(self._namespace, name)}>"
        setattr(self, name, value)
        return value


_RDF, _RDFS, _XSD, _KG, _NIF = _Terms(RDF), _Terms(RDFS), _Terms(XSD), _Terms(KG), _Terms(NIF)
_DCTERMS, _ITSRDF, _PROV, _QB, _SKOS = _Terms(DCTERMS), _Terms(ITSRDF), _Terms(PROV), _Terms(QB), _Terms(SKOS)
_VOID = _Terms(VOID)
_VOID_CLASS = f"<{VOID['class']}>"  # a Python keyword, so not an attribute
# How pyoxigraph (and so every N-Quads file kg wrote before) escapes a character in a string literal.
_ESCAPES = {i: f"\\u{i:04X}" for i in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}

Triple = tuple[str, str, str]
"""A triple as the N-Triples forms of its terms: the pieces of an N-Quads line."""


@lru_cache(maxsize=1 << 16)
def _iri(value: str) -> str:
    """`<value>` for an IRI made from data (an entity, a rule, an indicator), checked once by pyoxigraph."""
    ox.NamedNode(value)
    return f"<{value}>"


def _lit(value: str) -> str:
    return f'"{value.translate(_ESCAPES)}"'


def _zh(value: str) -> str:
    return f'"{value.translate(_ESCAPES)}"@zh'


def _typed(value: str, datatype: str) -> str:
    return f'"{value.translate(_ESCAPES)}"^^{datatype}'


def _int(value: int) -> str:
    return f'"{value}"^^{_XSD.nonNegativeInteger}'


def report_iri(report_id: str) -> str:
    return f"{BASE}report/{report_id}"


def graph_iri(report_id: str) -> str:
    return f"{BASE}graph/{report_id}"


def format_for(path: Path) -> ox.RdfFormat:
    """The RDF format named by a file's extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise KgError(f"{path}: unknown output format {path.suffix!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _entity_triples(entity: Entity, region_iri: str | None) -> Iterator[Triple]:
    s = _iri(entity.iri)
    yield s, _RDF.type, _TYPE_CLASS[entity.type]
    yield s, _SKOS.prefLabel, _zh(entity.label)
    if entity.alias:
        yield s, _SKOS.altLabel, _zh(entity.alias)
    if entity.region and region_iri:
        yield s, _KG.relativeTo, _iri(region_iri)


def report_nquads(ex: Extraction, built_with: str | None = None) -> bytes:
    """One report's named graph as N-Quads, one line per quad, sorted: the same report gives the same bytes.

    Lines are written directly (a term's N-Triples form is fixed), which is several times
    faster than building pyoxigraph terms; the bytes are those pyoxigraph writes for the
    same quads sorted by (graph, subject, predicate, object) (tests/test_graph.py checks).
    `built_with` is the kg:builtWith stated (default: this process's :func:`build_fingerprint`).
    """
    r = ex.report
    g = _iri(graph_iri(r.report_id))
    rep_iri = report_iri(r.report_id)
    rep = _iri(rep_iri)
    triples: set[Triple] = set()
    add = triples.add
    add((rep, _RDF.type, _KG.Report))
    add((rep, _RDF.type, _NIF.Context))
    add((rep, _KG.sourceFile, _lit(r.path.name)))
    add((rep, _KG.sha256, _lit(r.sha256)))
    add((rep, _KG.builtWith, _lit(built_with or build_fingerprint())))
    add((rep, _KG.encoding, _lit(r.encoding)))
    if r.media_type != "text/plain":
        add((rep, _DCTERMS.format, _lit(r.media_type)))
    add((rep, _KG.bodyStart, _int(r.body.start)))
    add((rep, _KG.bodyEnd, _int(r.body.end)))
    if "title" in r.metadata:
        add((rep, _DCTERMS.title, _zh(r.metadata["title"])))
    if "identifier" in r.metadata:
        add((rep, _DCTERMS.identifier, _lit(r.metadata["identifier"])))
    if "publisher" in r.metadata:
        add((rep, _KG.publisherLabel, _zh(r.metadata["publisher"])))
    m = _DATE.match(r.metadata.get("issued", ""))
    if m:
        add((rep, _DCTERMS.issued, _typed("-".join(m.groups()), _XSD.date)))
    for prop, year in ((_KG.yearReported, r.year_reported), (_KG.yearDelivered, r.year_delivered)):
        if year is not None:
            add((rep, prop, _typed(str(year), _XSD.gYear)))
    region_iri = None
    if r.region:
        region = link(r.region, "Place", r.region, None)
        region_iri = region.iri
        add((rep, _KG.region, _iri(region_iri)))
        triples.update(_entity_triples(region, None))
    if r.issuer:
        issuer = Entity("Organization", r.issuer, entity_iri("Organization", r.issuer))
        add((rep, _KG.issuer, _iri(issuer.iri)))
        triples.update(_entity_triples(issuer, None))
    section_nodes = []
    for k, sec in enumerate(r.sections, 1):
        node = f"<{rep_iri}#section-{k}>"
        section_nodes.append((sec, node))
        add((node, _RDF.type, _KG.Section))
        add((node, _KG.sectionKind, _KG.Review if sec.kind == "review" else _KG.Tasks))
        add((node, _NIF.beginIndex, _int(sec.start)))
        add((node, _NIF.endIndex, _int(sec.end)))
        add((node, _DCTERMS.isPartOf, rep))
        if sec.heading:
            add((node, _DCTERMS.title, _zh(sec.heading)))
    for sent in r.sentences:
        node = f"<{rep_iri}#char={sent.start},{sent.end}>"
        add((node, _RDF.type, _NIF.Sentence))
        add((node, _NIF.beginIndex, _int(sent.start)))
        add((node, _NIF.endIndex, _int(sent.end)))
        add((node, _NIF.anchorOf, _lit(r.text[sent.start : sent.end])))
        add((node, _NIF.referenceContext, rep))
        sec_node = next((n for sec, n in section_nodes if sec.start <= sent.start < sec.end), None)
        if sec_node is not None:
            add((node, _KG.inSection, sec_node))
    for men in ex.mentions:
        node = f"<{rep_iri}#mention={men.start},{men.end}>"
        add((node, _RDF.type, _KG.Mention))
        add((node, _NIF.beginIndex, _int(men.start)))
        add((node, _NIF.endIndex, _int(men.end)))
        add((node, _NIF.anchorOf, _lit(men.text)))
        add((node, _NIF.referenceContext, rep))
        add((node, _NIF.sentence, f"<{rep_iri}#char={men.sentence.start},{men.sentence.end}>"))
        add((node, _ITSRDF.taIdentRef, _iri(men.entity.iri)))
        triples.update(_entity_triples(men.entity, region_iri))
    triples.update(facts_triples(ex, rep_iri, region_iri))
    _add_statistics(triples, ex, graph_iri(r.report_id))
    # Sorting the lines sorts by (subject, predicate, object): a term is never a prefix of another
    # term unless an @ or ^ (above the space that ends a term) follows.
    return "".join(sorted(f"{s} {p} {o} {g} .\n" for s, p, o in triples)).encode("utf-8")


def _add_statistics(triples: set[Triple], ex: Extraction, graph: str) -> None:
    """Describe the report's graph as a VoID dataset: its size and, per entity type, entities and mentions.

    Counted from what the graph holds, so queries about sizes and types read a few
    numbers instead of counting every mention. void:triples counts these triples too.
    """
    g = _iri(graph)
    mentions: dict[str, int] = {}
    for men in ex.mentions:
        mentions[men.entity.type] = mentions.get(men.entity.type, 0) + 1
    entities: dict[str, int] = {}
    for _, p, o in triples:
        if p == _RDF.type and o in _CLASS_TYPE:
            entities[_CLASS_TYPE[o]] = entities.get(_CLASS_TYPE[o], 0) + 1
    triples.add((g, _RDF.type, _VOID.Dataset))
    triples.add((g, _VOID.entities, _int(sum(entities.values()))))
    for name, count in entities.items():
        part = _iri(f"{graph}#{name}")
        triples.add((g, _VOID.classPartition, part))
        triples.add((part, _VOID_CLASS, _TYPE_CLASS[name]))
        triples.add((part, _VOID.entities, _int(count)))
        triples.add((part, _KG.mentionCount, _int(mentions.get(name, 0))))
    triples.add((g, _VOID.triples, _int(len(triples) + 1)))


def report_quads(ex: Extraction) -> list[ox.Quad]:
    """All quads of one report's named graph, sorted (pyoxigraph terms, for code that needs them)."""
    return list(ox.parse(report_nquads(ex), ox.RdfFormat.N_QUADS))


def _quad_key(q: ox.Quad) -> tuple[str, str, str, str]:
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))


def serialise(quads: Iterable[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    """Bytes of `quads` in `fmt`; triple formats get the union of the named graphs."""
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        triples = sorted(
            {ox.Triple(q.subject, q.predicate, q.object) for q in quads},
            key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
        )
        data = ox.serialize(triples, None, fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TURTLE else None)
    else:
        ordered = sorted(quads, key=_quad_key)
        prefixes = PREFIXES if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD) else None
        data = ox.serialize(ordered, None, fmt, prefixes=prefixes)
    if data is None:  # pragma: no cover - serialize returns bytes when no output is given
        raise KgError("serialisation produced no output")
    return data


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that replaces `path` only when the block ends without error: never a partial file.

    It is written in the same folder, flushed to disk and renamed; on any failure or
    interruption the previous `path` is left as it was and the temporary file is
    removed. An OSError becomes a KgError naming the file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KgError(f"{path}: cannot write ({exc.strerror or exc}); nothing written") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise KgError(f"{path}: cannot write ({exc.strerror or exc}); the previous file is unchanged") from exc
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through :func:`atomic_output`."""
    with atomic_output(path) as f:
        f.write(data)


# ---- Facts: links, milestones, indicator observations, with PROV-O provenance ---------

_LINK_PROPERTY = {
    name: f"<{term}>"
    for name, term in {
        "locatedIn": KG.locatedIn,
        "partOf": KG.partOf,
        "cooperatesWith": KG.cooperatesWith,
        "participatesIn": KG.participatesIn,
    }.items()
}
_STAGE = {
    name: f"<{term}>"
    for name, term in {
        "planned": KG.Planned,
        "started": KG.Started,
        "underConstruction": KG.UnderConstruction,
        "toppedOut": KG.ToppedOut,
        "completed": KG.Completed,
        "opened": KG.Opened,
        "landed": KG.Landed,
        "established": KG.Established,
        "relocated": KG.Relocated,
        "landTransferred": KG.LandTransferred,
        "demolished": KG.Demolished,
        "held": KG.Held,
    }.items()
}


def fact_iri(report_id: str, fact: Fact) -> str:
    """A stable IRI for a fact: its report, relation, and a digest of what it states and where."""
    digest = hashlib.sha1("|".join(map(str, fact_key(fact))).encode("utf-8")).hexdigest()[:12]
    return f"{report_iri(report_id)}#{fact.relation}-{digest}"


def rule_iri(rule: str) -> str:
    return f"{BASE}rule/{iri_segment(rule)}"


def indicator_iri(name: str) -> str:
    return f"{BASE}indicator/{iri_segment(name)}"


def facts_triples(
    ex: Extraction, rep_iri: str, region_iri: str | None, facts: list[Fact] | None = None
) -> Iterator[Triple]:
    """The triples of a report's facts (fact nodes with provenance, direct links) and its entities' aliases."""
    r = ex.report
    rep = f"<{rep_iri}>"
    # Identity across reports: every written form of an entity that differs from its label
    # (full-width brackets, other spacing) is an alias, so a search by any form finds it.
    for men in ex.mentions:
        if men.text != men.entity.label:
            yield _iri(men.entity.iri), _SKOS.altLabel, _zh(men.text)
    dataset = f"<{rep_iri}#indicators>"
    for fact in find_facts(ex) if facts is None else facts:
        ev = fact.evidence
        node = _iri(fact_iri(r.report_id, fact))
        rule = _iri(rule_iri(ev.rule))
        yield node, _RDF.type, _KG.Fact
        yield node, _RDF.type, _PROV.Entity
        yield node, _PROV.wasDerivedFrom, f"<{rep_iri}#char={ev.sentence.start},{ev.sentence.end}>"
        yield node, _PROV.hadPrimarySource, rep
        yield node, _KG.evidenceStart, _int(ev.start)
        yield node, _KG.evidenceEnd, _int(ev.end)
        yield node, _KG.byRule, rule
        yield node, _KG.sentenceText, _lit(r.text[ev.sentence.start : ev.sentence.end])
        yield rule, _RDF.type, _PROV.Plan
        yield rule, _RDFS.label, _lit(ev.rule)
        if isinstance(fact, Link):
            s, o, p = _iri(fact.subject.iri), _iri(fact.object.iri), _LINK_PROPERTY[fact.relation]
            yield node, _RDF.type, _KG.Link
            yield node, _RDF.subject, s
            yield node, _RDF.predicate, p
            yield node, _RDF.object, o
            yield s, p, o
            yield from _entity_triples(fact.subject, region_iri)
            yield from _entity_triples(fact.object, region_iri)
        elif isinstance(fact, Milestone):
            s = _iri(fact.subject.iri)
            yield node, _RDF.type, _KG.Milestone
            if fact.subject.type == "Project":
                yield node, _RDF.type, _KG.ProjectMilestone
            yield s, _KG.hasStatus, node
            yield node, _KG.subjectLabel, _zh(fact.subject.label)
            yield node, _KG.stage, _STAGE[fact.stage]
            yield node, _KG.stageNotation, _lit(fact.stage)
            yield _STAGE[fact.stage], _SKOS.notation, _lit(fact.stage)
            yield node, _KG.modality, _lit(fact.modality)
            if fact.year is not None:
                yield node, _KG.year, _typed(str(fact.year), _XSD.gYear)
            yield from _entity_triples(fact.subject, region_iri)
        else:
            ind = _iri(indicator_iri(fact.indicator))
            yield node, _RDF.type, _QB.Observation
            yield node, _QB.dataSet, dataset
            yield dataset, _RDF.type, _QB.DataSet
            yield dataset, _QB.structure, _KG.IndicatorStructure
            yield dataset, _PROV.wasDerivedFrom, rep
            yield node, _KG.indicator, ind
            yield ind, _RDF.type, _KG.Indicator
            yield ind, _SKOS.prefLabel, _zh(fact.indicator)
            yield node, _KG.indicatorLabel, _zh(fact.indicator)
            if fact.region is not None:
                yield node, _KG.refArea, _iri(fact.region.iri)
                yield node, _KG.areaLabel, _zh(fact.region.label)
            if fact.year is not None:
                yield node, _KG.refPeriod, _typed(str(fact.year), _XSD.gYear)
            if fact.value is not None:
                yield node, _KG.value, _typed(fact.value, _XSD.decimal)
            if fact.unit is not None:
                yield node, _KG.unit, _lit(fact.unit)
            if fact.growth is not None:
                yield node, _KG.growthRate, _typed(fact.growth, _XSD.decimal)
            yield node, _KG.status, _lit(fact.status)
