"""DTKS statement letters (surat keterangan DTKS): a PDF with a code anyone can verify.

The code carries its own HMAC check, so a tampered code fails before any lookup; the
letter itself is kept so the public check can say what it stated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from fpdf import FPDF
from siks_events.sealing import SecretSealer, kept_secret
from siks_events.settings import Settings

SECRET_NAME = "statement-letter-hmac"


class LetterCodes:
    """Issues and checks letter codes: 10 random characters and a 6-character HMAC tag."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _tag(self, body: str) -> str:
        digest = hmac.new(self.secret, body.encode(), hashlib.sha256).digest()
        return base64.b32encode(digest).decode()[:6]

    def issue(self) -> str:
        body = base64.b32encode(secrets.token_bytes(10)).decode()[:10]
        return f"{body[:5]}-{body[5:]}-{self._tag(body)}"

    def is_genuine(self, code: str) -> bool:
        parts = code.strip().upper().split("-")
        if len(parts) != 3 or len(parts[0]) != 5 or len(parts[1]) != 5:
            return False
        return hmac.compare_digest(self._tag(parts[0] + parts[1]), parts[2])


async def letter_codes(pool: asyncpg.Pool, settings: Settings) -> LetterCodes:
    """The registry's letter key, made once and kept sealed in its own schema (never a default)."""
    sealer = SecretSealer.from_settings(settings)
    return LetterCodes(bytes.fromhex(await kept_secret(pool, sealer, SECRET_NAME, lambda: secrets.token_hex(32))))


@dataclass(frozen=True)
class LetterContent:
    code: str
    nik: str
    full_name: str
    birth_place: str
    birth_date: str
    address: str
    region_name: str
    status: str
    programs: list[str]
    issued_at: datetime
    issued_by: str
    verify_url: str


def render(letter: LetterContent) -> bytes:
    """The letter as a one-page A4 PDF."""
    pdf = FPDF(format="A4")
    pdf.set_title("Surat Keterangan DTKS")
    pdf.set_author("SIKS-NG")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "SURAT KETERANGAN DATA TERPADU KESEJAHTERAAN SOSIAL (DTKS)", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, "Statement of DTKS registration - SIKS-NG", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "Based on the Integrated Social Welfare Data (DTKS) held by the Ministry of Social Affairs, "
                         "the person below is recorded as follows:")
    pdf.ln(2)
    rows = [
        ("NIK", letter.nik),
        ("Name", letter.full_name),
        ("Place, date of birth", f"{letter.birth_place}, {letter.birth_date}"),
        ("Address", letter.address),
        ("Region", letter.region_name),
        ("Status in DTKS", letter.status),
        ("Active programmes", ", ".join(letter.programs) or "-"),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(55, 7, label)
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 6, f"Issued {letter.issued_at:%Y-%m-%d %H:%M} UTC by {letter.issued_by}.")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, f"Verification code: {letter.code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, f"Check this letter at {letter.verify_url}")
    return bytes(pdf.output())
