"""Confirming a NIK with Dukcapil: a real endpoint by configuration, else a simulator over DTKS's data."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date

import asyncpg
import httpx
from siks_events.identity import nik_problems, same_name

from siks_integration.adapters.postgres import mirror


@dataclass(frozen=True)
class NikCheck:
    """Dukcapil's answer: whether the NIK exists and whether name and birth date match it."""

    nik_well_formed: bool
    found: bool
    name_matches: bool
    birth_date_matches: bool


class DukcapilClient(abc.ABC):
    @abc.abstractmethod
    async def check(self, nik: str, name: str, birth_date: date) -> NikCheck:
        """Dukcapil's answer for one NIK, name and birth date."""


class SimulatedDukcapil(DukcapilClient):
    """Answers as Dukcapil would for everybody DTKS knows (the mirror of the registry's events)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def check(self, nik: str, name: str, birth_date: date) -> NikCheck:
        if nik_problems(nik):
            return NikCheck(False, False, False, False)
        async with self.pool.acquire() as connection:
            person = await mirror.current(connection, nik)
        if person is None:
            return NikCheck(True, False, False, False)
        return NikCheck(True, True, same_name(person.full_name or "", name), person.birth_date == birth_date)


class HttpDukcapil(DukcapilClient):
    """A Dukcapil verification endpoint that takes and answers JSON with the same fields."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    async def check(self, nik: str, name: str, birth_date: date) -> NikCheck:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(f"{self.base_url}/nik-verification",
                                         json={"nik": nik, "name": name, "birth_date": birth_date.isoformat()})
            response.raise_for_status()
            answer = response.json()
        return NikCheck(**{k: bool(answer.get(k)) for k in NikCheck.__dataclass_fields__})
