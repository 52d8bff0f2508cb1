"""JSON-LD to canonical N-Quads (RDFC-1.0), with every context served from the local copies.

Expansion is PyLD's; the canonicalisation (blank-node labelling) is Oxigraph's RDFC-1.0 and the
N-Quads lines are written here following RDFC-1.0's canonical form, whose escaping differs
from PyLD's own serialiser for rare control characters. The contexts are handed to PyLD with
the `static` tag so it keeps them resolved between calls: context processing, not hashing,
is what a signature costs.
"""

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyld import jsonld
from pyld.context_resolver import ContextResolver

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-context-3.0.3.json",
    OB_EXTENSIONS: "ob-extensions.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
}


class DocumentNotLocal(ValueError):
    """A document asked for a context this project does not keep: nothing is fetched."""


@cache
def context_document(url: str) -> dict:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise DocumentNotLocal(f"unknown JSON-LD context {url!r} (only local copies are used)")
    return json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url), "tag": "static"}


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_ESCAPE_TABLE = {
    **{code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]},
    **_ESCAPES,
}


def _term(node: dict, blanks: dict):
    kind = node["type"]
    if kind == "IRI":
        return ox.NamedNode(node["value"])
    if kind == "blank node":
        label = node["value"]
        if label not in blanks:
            blanks[label] = ox.BlankNode(label[2:] if label.startswith("_:") else label)
        return blanks[label]
    language = node.get("language")
    if language:
        return ox.Literal(node["value"], language=language)
    return ox.Literal(node["value"], datatype=ox.NamedNode(node.get("datatype") or _XSD_STRING))


def _nquads_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    text = '"' + term.value.translate(_ESCAPE_TABLE) + '"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype.value not in (_XSD_STRING, _RDF_LANGSTRING):
        return f"{text}^^<{term.datatype.value}>"
    return text


class _Processor(jsonld.JsonLdProcessor):
    """PyLD's processor with two caches that make a repeat of the same contexts cheap.

    PyLD caches a processed context per active context id, but a type-scoped context (Achievement,
    Profile, …: every object in a credential) is applied to a fresh copy of the active context with
    a new random id each time, so it is processed again for every object of every credential. That
    copy is fully determined by the context it copies, so it gets an id derived from that context's
    and is made once: PyLD's own cache then answers. Nothing else changes.
    """

    _copies: dict = {}

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True, **kwargs):
        if (
            not propagate
            and "_uuid" in active_ctx
            and not active_ctx.get("previousContext")
            and isinstance(local_ctx, dict)
            and "@propagate" not in local_ctx
        ):
            copy = self._copies.get(active_ctx["_uuid"])
            if copy is None or copy["previousContext"] is not active_ctx:
                copy = self._clone_active_context(active_ctx)
                copy["previousContext"] = active_ctx
                copy["_uuid"] = active_ctx["_uuid"] + "/scoped"
                copy = jsonld.freeze(copy)
                if len(self._copies) > 1000:
                    self._copies.clear()
                self._copies[active_ctx["_uuid"]] = copy
            active_ctx = copy
        return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate, **kwargs)


class _Resolver(ContextResolver):
    """Resolves an inline context object by identity first: the scoped contexts inside our cached context
    documents are the same objects every time, and PyLD would otherwise serialise each one canonically
    to find it in its cache."""

    _by_identity: dict = {}

    def resolve(self, active_ctx, context, base, cycles=None):
        if isinstance(context, dict) and "@context" not in context:
            found = self._by_identity.get(id(context))
            if found is not None and found[0] is context:
                return found[1]
            resolved = super().resolve(active_ctx, context, base, cycles)
            if len(self._by_identity) > 1000:
                self._by_identity.clear()
            self._by_identity[id(context)] = (context, resolved)
            return resolved
        return super().resolve(active_ctx, context, base, cycles)


_processor = _Processor()


def to_rdf(document: dict) -> dict:
    return _processor.to_rdf(document, _options())


def _options() -> dict:
    return {
        "documentLoader": document_loader,
        "base": None,
        "contextResolver": _Resolver(jsonld._resolved_context_cache, document_loader),
    }


def _paths(node, prefix: str = "") -> set[str]:
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            path = f"{prefix}/{key}"
            found.add(path)
            found |= _paths(value, path)
    elif isinstance(node, list):
        for value in node:
            found |= _paths(value, prefix)
    return found


def undefined_terms(document: dict) -> list[str]:
    """Properties that JSON-LD processing would silently drop (their contexts do not define them).

    A signature covers the canonical RDF, so a dropped property is not signed: a verifier must refuse
    it (JSON-LD "safe mode"). Found by expanding and compacting again with the same contexts.
    """
    expanded = _processor.expand(document, _options())
    compacted = _processor.compact(expanded, {"@context": document.get("@context")}, _options())
    return sorted(_paths(document) - _paths(compacted))


def to_dataset(document: dict) -> ox.Dataset:
    """The document's RDF dataset (JSON-LD 1.1 to-RDF), contexts from the local copies."""
    graphs = to_rdf(document)
    dataset = ox.Dataset()
    blanks: dict = {}
    for graph_name, triples in graphs.items():
        if graph_name == "@default":
            graph = ox.DefaultGraph()
        else:
            graph = _term({"type": "blank node" if graph_name.startswith("_:") else "IRI", "value": graph_name}, blanks)
        for triple in triples:
            dataset.add(
                ox.Quad(
                    _term(triple["subject"], blanks),
                    _term(triple["predicate"], blanks),
                    _term(triple["object"], blanks),
                    graph,
                )
            )
    return dataset


def canonize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    dataset = to_dataset(document)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = []
    for quad in dataset:
        parts = [_nquads_term(quad.subject), _nquads_term(quad.predicate), _nquads_term(quad.object)]
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            parts.append(_nquads_term(quad.graph_name))
        lines.append(" ".join(parts) + " .\n")
    lines.sort()
    return "".join(lines)
