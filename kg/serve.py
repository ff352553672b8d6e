"""Serve: a read-only SPARQL 1.1 Protocol endpoint over a store, on localhost by default.

Only protocol plumbing lives here (stdlib `http.server`): queries are checked and run by
:mod:`kg.sparql` on pyoxigraph, exactly as `kg query` runs them. Updates get 403, SERVICE
is refused unless allowed, and every query has a timeout and a result limit.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.errors import QueryError
from kg.sparql import DEFAULT_LIMIT, DEFAULT_TIMEOUT, Result, Term, format_result, results_json, run_query

log = logging.getLogger(__name__)

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
RESULT_TYPES = (JSON, XML, CSV, TSV)
"""Media types for SELECT and ASK answers; the first is the default."""
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
"""Media types for CONSTRUCT and DESCRIBE answers; the first is the default."""
_ALIASES = {"application/json": JSON, "application/xml": XML, "text/xml": XML, "json": JSON, "xml": XML,
            "csv": CSV, "tsv": TSV}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """How the endpoint runs queries."""

    allow_service: bool = False
    timeout: float | None = DEFAULT_TIMEOUT
    limit: int | None = DEFAULT_LIMIT


def negotiate(accept: str, offered: tuple[str, ...]) -> str | None:
    """The offered media type that `accept` (an HTTP Accept header) prefers, or None if none fits."""
    if not accept.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mtype = _ALIASES.get(fields[0].lower(), fields[0].lower())
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if mtype in ("*/*", "application/*", "text/*"):
            prefix = mtype.split("/")[0]
            match = next((o for o in offered if mtype == "*/*" or o.startswith(prefix + "/")), None)
        else:
            match = mtype if mtype in offered else None
        if match is not None and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, match)
    return best[2] if best else None


def _xml_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal>{escape(str(t))}</literal>"


def results_xml(result: Result) -> str:
    """W3C SPARQL Query Results XML of a SELECT or ASK answer."""
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out.append("</head>")
    if result.boolean is not None:
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in result.rows:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(result.variables, row, strict=True)
                if t is not None
            )
            out.append(f"<result>{cells}</result>")
        out.append("</results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def render(result: Result, accept: str) -> tuple[str, bytes] | None:
    """The media type and body of `result` for an Accept header, or None if no offered type fits."""
    if result.triples is not None:
        mtype = negotiate(accept, tuple(GRAPH_TYPES))
        if mtype is None:
            return None
        return mtype, ox.serialize(result.triples, None, GRAPH_TYPES[mtype]) or b""
    mtype = negotiate(accept, RESULT_TYPES)
    if mtype is None:
        return None
    if mtype == XML:
        return mtype, results_xml(result).encode("utf-8")
    if mtype == JSON:
        return mtype, json.dumps(results_json(result), ensure_ascii=False).encode("utf-8")
    return mtype, format_result(result, "csv" if mtype == CSV else "tsv").encode("utf-8")


def make_handler(store: ox.Store, settings: Settings) -> type[BaseHTTPRequestHandler]:
    """A request handler class answering SPARQL 1.1 Protocol queries over `store`."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "kg-sparql"

        def log_message(self, format: str, *args: object) -> None:
            log.info("%s %s", self.address_string(), format % args)

        def _send(self, status: HTTPStatus, mtype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{mtype}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status: HTTPStatus, message: str) -> None:
            self._send(status, "text/plain", (message + "\n").encode("utf-8"))

        def _answer(self, params: dict[str, list[str]], body_query: str | None = None) -> None:
            if "update" in params:
                self._error(HTTPStatus.FORBIDDEN, "SPARQL updates are refused: this endpoint is read-only")
                return
            queries = params.get("query", [])
            if body_query is not None:
                queries = [body_query]
            if len(queries) != 1:
                self._error(HTTPStatus.BAD_REQUEST, "give exactly one `query` parameter (SPARQL 1.1 Protocol)")
                return
            if params.get("default-graph-uri") or params.get("named-graph-uri"):
                self._error(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are not supported")
                return
            try:
                result = run_query(store, queries[0], settings.allow_service, settings.timeout, settings.limit)
            except QueryError as exc:
                status = HTTPStatus.FORBIDDEN if "refused" in str(exc) else HTTPStatus.BAD_REQUEST
                if "timed out" in str(exc):
                    status = HTTPStatus.SERVICE_UNAVAILABLE
                self._error(status, str(exc))
                return
            rendered = render(result, self.headers.get("Accept", ""))
            if rendered is None:
                offered = ", ".join(GRAPH_TYPES if result.triples is not None else RESULT_TYPES)
                self._error(HTTPStatus.NOT_ACCEPTABLE, f"no offered result type fits Accept; offered: {offered}")
                return
            extra = {"X-KG-Truncated": "true"} if result.truncated else None
            self._send(HTTPStatus.OK, rendered[0], rendered[1], extra)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if not params:
                self._send(
                    HTTPStatus.OK,
                    "text/plain",
                    b"kg read-only SPARQL endpoint: GET or POST ?query=... (SPARQL 1.1 Protocol)\n",
                )
                return
            self._answer(params)

        do_HEAD = do_GET

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", errors="replace")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            url_params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
            if ctype == "application/sparql-query":
                self._answer(url_params, raw)
            elif ctype == "application/x-www-form-urlencoded":
                params = urllib.parse.parse_qs(raw, keep_blank_values=True)
                self._answer({**url_params, **params})
            elif ctype == "application/sparql-update":
                self._error(HTTPStatus.FORBIDDEN, "SPARQL updates are refused: this endpoint is read-only")
            else:
                self._error(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"unsupported Content-Type {ctype!r}; use application/sparql-query or "
                    "application/x-www-form-urlencoded",
                )

        def do_OPTIONS(self) -> None:
            self.send_response(HTTPStatus.NO_CONTENT)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
            self.end_headers()

    return Handler


def make_server(
    store: ox.Store, host: str = "127.0.0.1", port: int = 7878, settings: Settings | None = None
) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) for `store`; port 0 picks a free port (see `server_address`)."""
    server = ThreadingHTTPServer((host, port), make_handler(store, settings or Settings()))
    server.daemon_threads = True
    return server
