"""The stale-fact report: what an editor rechecks (on 1 January above all), grouped by file.

Lists every fact whose source is older than 12 months, every fee with no schedule entry reported in the current
calendar year (prices usually change on 1 January), and every fact marked unconfirmed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from kbengine.model import Fact, KnowledgeBase

MAX_SOURCE_AGE_DAYS = 365


@dataclass(frozen=True)
class StaleItem:
    file: str
    field: str  # e.g. "notices.men_abroad_no_forwarding", "fees.total"
    kind: str  # "old_source" | "no_fee_this_year" | "unconfirmed"
    detail: str


def _fact_items(file: str, section: str, facts: Iterable[Fact], today: dt.date) -> List[StaleItem]:
    items = []
    for fact in facts:
        field = f"{section}.{fact.id}"
        if (today - fact.source.as_of).days > MAX_SOURCE_AGE_DAYS:
            items.append(StaleItem(file, field, "old_source", f"source from {fact.source.as_of} ({fact.source.url})"))
        if fact.unconfirmed:
            items.append(StaleItem(file, field, "unconfirmed", fact.text))
    return items


def stale_items(kb: KnowledgeBase, today: dt.date, kb_dir: Path, faq=None) -> List[StaleItem]:
    """Everything to recheck on `today`; `faq` (a kbengine.faq.FaqBase) adds the FAQ answers' sources."""
    items: List[StaleItem] = []
    for doc in kb.documents.values():
        file = str(kb_dir / "documents" / f"{doc.doc_type}.yml")
        for section in ("checklist", "notices", "processing_times", "places"):
            items += _fact_items(file, section, getattr(doc, section), today)
        for fee in doc.fees:
            field = f"fees.{fee.id}"
            newest = max(e.source.as_of for e in fee.schedule)
            if not any(e.source.as_of.year == today.year for e in fee.schedule):
                items.append(
                    StaleItem(
                        file,
                        field,
                        "no_fee_this_year",
                        f"no entry reported in {today.year}; newest source from {newest}",
                    )
                )
            entry = fee.in_force(today)
            if fee.unconfirmed or (entry is not None and (entry.unconfirmed or entry.term_unconfirmed)):
                items.append(StaleItem(file, field, "unconfirmed", fee.label))
    items += _fact_items(str(kb_dir / "contacts.yml"), "contacts", kb.contacts, today)
    for entry in faq.entries.values() if faq is not None else ():
        field = f"faq.{entry.id}"
        if (today - entry.source.as_of).days > MAX_SOURCE_AGE_DAYS:
            items.append(
                StaleItem(entry.file, field, "old_source", f"source from {entry.source.as_of} ({entry.source.url})")
            )
        if entry.unconfirmed:
            items.append(StaleItem(entry.file, field, "unconfirmed", entry.questions[0]))
    return items


_LABELS = {
    "old_source": "source older than 12 months",
    "no_fee_this_year": "no price reported this year",
    "unconfirmed": "unconfirmed",
}


def format_report(items: Sequence[StaleItem], today: dt.date, root: Optional[Path] = None) -> str:
    if not items:
        return f"Stale-fact report for {today}: nothing to recheck."
    by_file: Dict[str, List[StaleItem]] = {}
    for item in items:
        by_file.setdefault(item.file, []).append(item)
    lines = [
        f"Stale-fact report for {today}: {len(items)} item(s) in {len(by_file)} file(s) — sources older than 12 months, "
        f"fees with no price reported in {today.year}, unconfirmed facts."
    ]
    for file in sorted(by_file):
        shown = file
        if root is not None:
            try:
                shown = str(Path(file).resolve().relative_to(root.resolve()))
            except ValueError:
                pass
        lines.append(f"\n{shown}")
        for item in sorted(by_file[file], key=lambda i: (list(_LABELS).index(i.kind), i.field)):
            detail = item.detail if len(item.detail) <= 110 else item.detail[:107] + "…"
            lines.append(f"  {_LABELS[item.kind]}: {item.field} — {detail}")
    return "\n".join(lines)
