"""Import a day's stage changes from CSV: doc_type,document_number,stage,changed_at."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import List, TextIO, Tuple

from tracking.api import validate_payload
from tracking.store import TrackingStore

REQUIRED = ("doc_type", "document_number", "stage", "changed_at")


@dataclass
class ImportReport:
    accepted: int = 0
    ignored: int = 0
    queued: int = 0
    errors: List[Tuple[int, str]] = field(default_factory=list)


def import_csv(store: TrackingStore, fh: TextIO) -> ImportReport:
    report = ImportReport()
    sample = fh.read(4096)
    fh.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(fh, dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.errors.append((1, f"header lacks column(s): {', '.join(missing)}"))
        return report
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        try:
            doc_type, number, stage, changed_at = validate_payload(
                {k: (v or "").strip() for k, v in row.items() if k in REQUIRED}
            )
            result = store.apply_status(doc_type, number, stage, changed_at, "csv")
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        if result.accepted:
            report.accepted += 1
            report.queued += result.queued
        else:
            report.ignored += 1
    return report
