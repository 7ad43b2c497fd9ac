"""The prelist on paper (PAPI): CSV for spreadsheets and a printable PDF for villages without phones."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

COLUMNS = ("entry_id", "proposal_id", "status", "enumerator", "kk_number", "address", "names", "niks", "lat", "lon")


def _cells(entry: dict[str, Any]) -> list[str]:
    values = {**entry, "names": "; ".join(entry["names"]), "niks": "; ".join(entry["niks"])}
    return ["" if values[c] is None else str(values[c]) for c in COLUMNS]


def prelist_csv(entries: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_cells(e) for e in entries)
    return out.getvalue()


def _latin1(text: str) -> str:
    # the PDF's core fonts speak Latin-1; anything else prints as '?' rather than failing the download
    return text.encode("latin-1", "replace").decode("latin-1")


def prelist_pdf(region_code: str, entries: Sequence[dict[str, Any]]) -> bytes:
    """A landscape A4 table, one row per household, with blank columns to fill in on the visit."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _latin1(f"Prelist verifikasi dan validasi - wilayah {region_code}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    with pdf.table(col_widths=(8, 30, 45, 60, 35, 20, 25, 30, 25), text_align="LEFT") as table:
        table.row(["No", "KK", "Nama", "Alamat", "NIK", "Status", "Petugas", "Ditemukan (Y/T)", "Paraf"])
        for number, entry in enumerate(entries, 1):
            table.row([_latin1(v) for v in (
                str(number), entry["kk_number"] or "", ", ".join(entry["names"]), entry["address"] or "",
                ", ".join(entry["niks"]), entry["status"], entry["enumerator"] or "", "", "")])
    return bytes(pdf.output())
