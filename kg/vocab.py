"""Ontology terms, from one place: closed namespaces checked against `ontology/` by the tests.

An unknown term (a typo) raises AttributeError instead of minting a new IRI.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, QB, RDF, RDFS, SKOS, VOID, XSD, DefinedNamespace, Namespace

__all__ = ["DCTERMS", "ITSRDF", "KG", "NIF", "PREFIXES", "PROV", "QB", "RDF", "RDFS", "SKOS", "VOID", "XSD"]


class KG(DefinedNamespace):
    """Terms defined in `ontology/kg.ttl`."""

    _NS = Namespace("https://w3id.org/kg-gov/ontology#")
    _fail = True

    Report: URIRef
    Section: URIRef
    SectionKind: URIRef
    Review: URIRef
    Tasks: URIRef
    Mention: URIRef
    Entity: URIRef
    Place: URIRef
    Organization: URIRef
    Project: URIRef
    Program: URIRef
    Event: URIRef
    region: URIRef
    issuer: URIRef
    yearReported: URIRef
    yearDelivered: URIRef
    sourceFile: URIRef
    sha256: URIRef
    builtWith: URIRef
    encoding: URIRef
    publisherLabel: URIRef
    bodyStart: URIRef
    bodyEnd: URIRef
    sectionKind: URIRef
    inSection: URIRef
    relativeTo: URIRef
    # Facts: links, milestones, indicator observations (RDF Data Cube) and their provenance
    Fact: URIRef
    Link: URIRef
    Milestone: URIRef
    ProjectMilestone: URIRef
    Stage: URIRef
    Planned: URIRef
    Started: URIRef
    UnderConstruction: URIRef
    ToppedOut: URIRef
    Completed: URIRef
    Opened: URIRef
    Landed: URIRef
    Established: URIRef
    Relocated: URIRef
    LandTransferred: URIRef
    Demolished: URIRef
    Held: URIRef
    Indicator: URIRef
    IndicatorStructure: URIRef
    locatedIn: URIRef
    partOf: URIRef
    cooperatesWith: URIRef
    participatesIn: URIRef
    hasStatus: URIRef
    stage: URIRef
    modality: URIRef
    year: URIRef
    indicator: URIRef
    refArea: URIRef
    refPeriod: URIRef
    value: URIRef
    growthRate: URIRef
    unit: URIRef
    status: URIRef
    evidenceStart: URIRef
    evidenceEnd: URIRef
    byRule: URIRef
    # Shortcuts for queries: the value at the end of a path, written beside it
    sentenceText: URIRef
    stageNotation: URIRef
    subjectLabel: URIRef
    indicatorLabel: URIRef
    areaLabel: URIRef
    # Statistics of a report's graph (VoID class partitions)
    mentionCount: URIRef


class NIF(DefinedNamespace):
    """The NIF 2.0 core terms kg uses for text positions."""

    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
    _fail = True

    Context: URIRef
    String: URIRef
    Sentence: URIRef
    Phrase: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    anchorOf: URIRef
    referenceContext: URIRef
    sentence: URIRef


class ITSRDF(DefinedNamespace):
    """ITS 2.0 RDF: the link from a mention to the entity it names."""

    _NS = Namespace("http://www.w3.org/2005/11/its/rdf#")
    _fail = True

    taIdentRef: URIRef


PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "kgr": "https://w3id.org/kg-gov/id/",
    "nif": str(NIF._NS),
    "itsrdf": str(ITSRDF._NS),
    "skos": str(SKOS._NS),
    "dcterms": str(DCTERMS._NS),
    "rdfs": str(RDFS._NS),
    "xsd": str(XSD._NS),
    "prov": str(PROV._NS),
    "qb": str(QB._NS),
    "void": str(VOID._NS),
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
}
