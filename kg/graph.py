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
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.errors import KgError
from kg.facts import Fact, Link, Milestone, fact_key, find_facts
from kg.normalise import BASE, Entity, entity_iri, iri_segment, link
from kg.pipeline import Extraction
from kg.sparql import Term
from kg.vocab import DCTERMS, ITSRDF, KG, NIF, PREFIXES, PROV, QB, RDF, RDFS, SKOS, XSD

FORMATS: dict[str, ox.RdfFormat] = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
QUAD_FORMATS = {".trig", ".nq", ".jsonld"}
_TYPE_CLASS = {
    "Place": KG.Place,
    "Organization": KG.Organization,
    "Project": KG.Project,
    "Program": KG.Program,
    "Event": KG.Event,
}
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _n(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _int(v: int) -> ox.Literal:
    return ox.Literal(str(v), datatype=_n(XSD.nonNegativeInteger))


def _zh(v: str) -> ox.Literal:
    return ox.Literal(v, language="zh")


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


def _entity_triples(entity: Entity, region_iri: str | None) -> Iterator[tuple[ox.NamedNode, ox.NamedNode, Term]]:
    s = ox.NamedNode(entity.iri)
    yield s, _n(RDF.type), _n(_TYPE_CLASS[entity.type])
    yield s, _n(SKOS.prefLabel), _zh(entity.label)
    if entity.alias:
        yield s, _n(SKOS.altLabel), _zh(entity.alias)
    if entity.region and region_iri:
        yield s, _n(KG.relativeTo), ox.NamedNode(region_iri)


def report_quads(ex: Extraction) -> list[ox.Quad]:
    """All quads of one report's named graph, sorted."""
    r = ex.report
    g = ox.NamedNode(graph_iri(r.report_id))
    rep = ox.NamedNode(report_iri(r.report_id))
    triples: set[tuple[ox.NamedNode, ox.NamedNode, Term]] = set()
    add = triples.add
    add((rep, _n(RDF.type), _n(KG.Report)))
    add((rep, _n(RDF.type), _n(NIF.Context)))
    add((rep, _n(KG.sourceFile), ox.Literal(r.path.name)))
    add((rep, _n(KG.sha256), ox.Literal(r.sha256)))
    add((rep, _n(KG.encoding), ox.Literal(r.encoding)))
    if r.media_type != "text/plain":
        add((rep, _n(DCTERMS.format), ox.Literal(r.media_type)))
    add((rep, _n(KG.bodyStart), _int(r.body.start)))
    add((rep, _n(KG.bodyEnd), _int(r.body.end)))
    if "title" in r.metadata:
        add((rep, _n(DCTERMS.title), _zh(r.metadata["title"])))
    if "identifier" in r.metadata:
        add((rep, _n(DCTERMS.identifier), ox.Literal(r.metadata["identifier"])))
    if "publisher" in r.metadata:
        add((rep, _n(KG.publisherLabel), _zh(r.metadata["publisher"])))
    m = _DATE.match(r.metadata.get("issued", ""))
    if m:
        add((rep, _n(DCTERMS.issued), ox.Literal("-".join(m.groups()), datatype=_n(XSD.date))))
    for prop, year in ((KG.yearReported, r.year_reported), (KG.yearDelivered, r.year_delivered)):
        if year is not None:
            add((rep, _n(prop), ox.Literal(str(year), datatype=_n(XSD.gYear))))
    region_iri = None
    if r.region:
        region = link(r.region, "Place", r.region, None)
        region_iri = region.iri
        add((rep, _n(KG.region), ox.NamedNode(region_iri)))
        for t in _entity_triples(region, None):
            add(t)
    if r.issuer:
        issuer = Entity("Organization", r.issuer, entity_iri("Organization", r.issuer))
        add((rep, _n(KG.issuer), ox.NamedNode(issuer.iri)))
        for t in _entity_triples(issuer, None):
            add(t)
    section_nodes = []
    for k, sec in enumerate(r.sections, 1):
        node = ox.NamedNode(f"{rep.value}#section-{k}")
        section_nodes.append((sec, node))
        add((node, _n(RDF.type), _n(KG.Section)))
        add((node, _n(KG.sectionKind), _n(KG.Review if sec.kind == "review" else KG.Tasks)))
        add((node, _n(NIF.beginIndex), _int(sec.start)))
        add((node, _n(NIF.endIndex), _int(sec.end)))
        add((node, _n(DCTERMS.isPartOf), rep))
        if sec.heading:
            add((node, _n(DCTERMS.title), _zh(sec.heading)))
    for sent in r.sentences:
        node = ox.NamedNode(f"{rep.value}#char={sent.start},{sent.end}")
        add((node, _n(RDF.type), _n(NIF.Sentence)))
        add((node, _n(NIF.beginIndex), _int(sent.start)))
        add((node, _n(NIF.endIndex), _int(sent.end)))
        add((node, _n(NIF.anchorOf), ox.Literal(r.text[sent.start : sent.end])))
        add((node, _n(NIF.referenceContext), rep))
        sec_node = next((n for sec, n in section_nodes if sec.start <= sent.start < sec.end), None)
        if sec_node is not None:
            add((node, _n(KG.inSection), sec_node))
    for men in ex.mentions:
        node = ox.NamedNode(f"{rep.value}#mention={men.start},{men.end}")
        add((node, _n(RDF.type), _n(KG.Mention)))
        add((node, _n(NIF.beginIndex), _int(men.start)))
        add((node, _n(NIF.endIndex), _int(men.end)))
        add((node, _n(NIF.anchorOf), ox.Literal(men.text)))
        add((node, _n(NIF.referenceContext), rep))
        add((node, _n(NIF.sentence), ox.NamedNode(f"{rep.value}#char={men.sentence.start},{men.sentence.end}")))
        add((node, _n(ITSRDF.taIdentRef), ox.NamedNode(men.entity.iri)))
        for t in _entity_triples(men.entity, region_iri):
            add(t)
    triples.update(facts_triples(ex, rep, region_iri))
    return sorted((ox.Quad(s, p, o, g) for s, p, o in triples), key=_quad_key)


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
    "locatedIn": KG.locatedIn,
    "partOf": KG.partOf,
    "cooperatesWith": KG.cooperatesWith,
    "participatesIn": KG.participatesIn,
}
_STAGE = {
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
    ex: Extraction, rep: ox.NamedNode, region_iri: str | None, facts: list[Fact] | None = None
) -> Iterator[tuple[ox.NamedNode, ox.NamedNode, Term]]:
    """The triples of a report's facts (fact nodes with provenance, direct links) and its entities' aliases."""
    r = ex.report
    # Identity across reports: every written form of an entity that differs from its label
    # (full-width brackets, other spacing) is an alias, so a search by any form finds it.
    for men in ex.mentions:
        if men.text != men.entity.label:
            yield ox.NamedNode(men.entity.iri), _n(SKOS.altLabel), _zh(men.text)
    dataset = ox.NamedNode(f"{rep.value}#indicators")
    for fact in find_facts(ex) if facts is None else facts:
        ev = fact.evidence
        node = ox.NamedNode(fact_iri(r.report_id, fact))
        rule = ox.NamedNode(rule_iri(ev.rule))
        yield node, _n(RDF.type), _n(KG.Fact)
        yield node, _n(RDF.type), _n(PROV.Entity)
        yield node, _n(PROV.wasDerivedFrom), ox.NamedNode(f"{rep.value}#char={ev.sentence.start},{ev.sentence.end}")
        yield node, _n(PROV.hadPrimarySource), rep
        yield node, _n(KG.evidenceStart), _int(ev.start)
        yield node, _n(KG.evidenceEnd), _int(ev.end)
        yield node, _n(KG.byRule), rule
        yield rule, _n(RDF.type), _n(PROV.Plan)
        yield rule, _n(RDFS.label), ox.Literal(ev.rule)
        if isinstance(fact, Link):
            s, o, p = ox.NamedNode(fact.subject.iri), ox.NamedNode(fact.object.iri), _n(_LINK_PROPERTY[fact.relation])
            yield node, _n(RDF.type), _n(KG.Link)
            yield node, _n(RDF.subject), s
            yield node, _n(RDF.predicate), p
            yield node, _n(RDF.object), o
            yield s, p, o
            yield from _entity_triples(fact.subject, region_iri)
            yield from _entity_triples(fact.object, region_iri)
        elif isinstance(fact, Milestone):
            s = ox.NamedNode(fact.subject.iri)
            yield node, _n(RDF.type), _n(KG.Milestone)
            yield s, _n(KG.hasStatus), node
            yield node, _n(KG.stage), _n(_STAGE[fact.stage])
            yield _n(_STAGE[fact.stage]), _n(SKOS.notation), ox.Literal(fact.stage)
            yield node, _n(KG.modality), ox.Literal(fact.modality)
            if fact.year is not None:
                yield node, _n(KG.year), ox.Literal(str(fact.year), datatype=_n(XSD.gYear))
            yield from _entity_triples(fact.subject, region_iri)
        else:
            ind = ox.NamedNode(indicator_iri(fact.indicator))
            yield node, _n(RDF.type), _n(QB.Observation)
            yield node, _n(QB.dataSet), dataset
            yield dataset, _n(RDF.type), _n(QB.DataSet)
            yield dataset, _n(QB.structure), _n(KG.IndicatorStructure)
            yield dataset, _n(PROV.wasDerivedFrom), rep
            yield node, _n(KG.indicator), ind
            yield ind, _n(RDF.type), _n(KG.Indicator)
            yield ind, _n(SKOS.prefLabel), _zh(fact.indicator)
            if fact.region is not None:
                yield node, _n(KG.refArea), ox.NamedNode(fact.region.iri)
            if fact.year is not None:
                yield node, _n(KG.refPeriod), ox.Literal(str(fact.year), datatype=_n(XSD.gYear))
            if fact.value is not None:
                yield node, _n(KG.value), ox.Literal(fact.value, datatype=_n(XSD.decimal))
            if fact.unit is not None:
                yield node, _n(KG.unit), ox.Literal(fact.unit)
            if fact.growth is not None:
                yield node, _n(KG.growthRate), ox.Literal(fact.growth, datatype=_n(XSD.decimal))
            yield node, _n(KG.status), ox.Literal(fact.status)
