"""Text forms of the structured fields, shared by the exchange formats that have no field of
their own for them (RIS notes, BibTeX fields, CSV cells): MeSH headings as MEDLINE writes them,
comment/correction links (retractions, errata), and labelled notes ('Publication status: ppublish').

One writer and one reader for each, so that every format that uses them reads back what it wrote.
"""

from __future__ import annotations

import re

from litreview.records import Correction, MeshHeading, Record


def mesh_text(heading: MeshHeading) -> str:
    """MEDLINE's MH form: '*Descriptor' (major) or 'Descriptor/*qualifier/qualifier'."""
    text = ("*" if heading.major else "") + heading.descriptor
    for qualifier in heading.qualifiers:
        text += "/" + ("*" if qualifier.get("major") else "") + str(qualifier.get("name") or "")
    return text


def parse_mesh(text: str) -> MeshHeading:
    """The inverse of mesh_text (unique identifiers are not in the text form)."""
    descriptor, *qualifiers = text.strip().split("/")
    major = descriptor.startswith("*")
    parsed = [{"name": q.lstrip("*"), "ui": None, "major": q.startswith("*")}
              for q in qualifiers if q.strip()]
    return MeshHeading(descriptor=descriptor.lstrip("*"), major=major, qualifiers=parsed)


def correction_text(correction: Correction) -> str:
    """'RetractionIn: Lancet. 2020;1:3 [PMID 123]'."""
    text = f"{correction.type}: {correction.ref or ''}".rstrip()
    return f"{text} [PMID {correction.pmid}]" if correction.pmid else text


_CORRECTION = re.compile(r"^([A-Za-z]+):\s*(.*?)(?:\s*\[PMID (\d+)\])?$")


def parse_correction(text: str) -> Correction | None:
    found = _CORRECTION.match(text.strip())
    if not found:
        return None
    return Correction(type=found.group(1), ref=found.group(2) or None, pmid=found.group(3))


CORRECTION_TAGS = {
    "ErratumIn": "EIN", "ErratumFor": "EFR", "RetractionIn": "RIN", "RetractionOf": "ROF",
    "CommentIn": "CIN", "CommentOn": "CON", "ExpressionOfConcernIn": "ECI",
    "ExpressionOfConcernFor": "ECF", "RepublishedIn": "RPI", "RepublishedFrom": "RPF",
    "UpdateIn": "UIN", "UpdateOf": "UOF", "SummaryForPatientsIn": "SPIN",
    "OriginalReportIn": "ORI", "PartialRetractionIn": "PRIN", "PartialRetractionOf": "PROF",
}
"""PubMed's comment/correction links as MEDLINE tags ('RIN - Lancet. 2020;1:3. PMID: 123')."""


NOTE_LABELS = {
    "Publication type": "publication_types", "Publication status": "publication_status",
    "MeSH": "mesh", "Original title": "vernacular_title", "Comment/correction": "corrections",
    "Date": "date_text", "Electronic ISSN": "issn_electronic", "Language": "languages",
}
"""Labelled notes ('Publication status: ppublish') for fields a format has no tag for."""


def notes(record: Record, labels: tuple[str, ...]) -> list[str]:
    """The record's values for these labels as notes, one value each."""
    out: list[str] = []
    for label in labels:
        value = getattr(record, NOTE_LABELS[label])
        if label == "MeSH":
            out += [f"{label}: {mesh_text(h)}" for h in value]
        elif label == "Comment/correction":
            out += [f"{label}: {correction_text(c)}" for c in value]
        elif isinstance(value, list):
            out += [f"{label}: {v}" for v in value]
        elif value:
            out.append(f"{label}: {value}")
    return out


def read_notes(record: Record, values: list[str]) -> list[str]:
    """Fill the record from labelled notes; the notes that are not ours, as they were."""
    others = []
    seen: set[str] = set()
    for value in values:
        label, sep, text = value.partition(": ")
        name = NOTE_LABELS.get(label) if sep else None
        if name is None:
            others.append(value)
            continue
        text = text.strip()
        if name == "mesh":
            record.mesh.append(parse_mesh(text))
        elif name == "corrections":
            correction = parse_correction(text)
            if correction:
                record.corrections.append(correction)
        elif isinstance(getattr(record, name), list):
            if name not in seen:
                setattr(record, name, [])  # the notes replace what the format's own tag gave
            getattr(record, name).append(text)
        else:
            setattr(record, name, text)
        seen.add(name)
    return others
