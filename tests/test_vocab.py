"""Ontology terms used in code are exactly those declared in ontology/kg.ttl."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF

from kg.resources import ontology_dir
from kg.vocab import KG


def test_closed_namespace_matches_the_ontology() -> None:
    g = rdflib.Graph().parse(ontology_dir() / "kg.ttl")
    ns = str(KG._NS)
    declared = {str(s)[len(ns) :] for s in g.subjects(RDF.type, None) if str(s).startswith(ns)}
    assert declared == set(KG.__annotations__)
    assert (rdflib.URIRef("https://w3id.org/kg-gov/ontology"), RDF.type, OWL.Ontology) in g
