"""DCI searches over the households and persons read models: the standard's queries written as SQL.

A query names attributes of the entity asked for (`Group`: a household, `Member`: a person). A Group
search may also name a member attribute (`nik`, `age`, ...): a household matches when one of its
members does. Every value is passed as a parameter; attribute names come only from the tables below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg
from siks_events.dci import (
    ExpressionTemplate,
    IdentifierTypeValue,
    Predicate,
    PredicateWithCondition,
    SearchReasonCode,
    Sort,
)

GROUP = "Group"
MEMBER = "Member"


@dataclass(frozen=True)
class Attribute:
    sql: str
    kind: type = str


_GROUP = {
    "household_id": Attribute("h.household_id"),
    "kk_number": Attribute("h.kk_number"),
    "region_code": Attribute("h.region_code"),
    "address": Attribute("h.address"),
    "poverty_score": Attribute("h.welfare_decile", int),
    "welfare_decile": Attribute("h.welfare_decile", int),
    "group_size": Attribute("h.active_members", int),
    "last_updated": Attribute("h.updated_at", datetime),
}
_MEMBER = {
    "nik": Attribute("p.nik"),
    "full_name": Attribute("p.full_name"),
    "sex": Attribute("p.sex"),
    "birth_date": Attribute("p.birth_date", date),
    "yob": Attribute("extract(year FROM p.birth_date)::int", int),
    "age": Attribute("extract(year FROM age(current_date, p.birth_date))::int", int),
    "relationship": Attribute("p.relationship"),
    "status": Attribute("p.status"),
    "region_code": Attribute("p.region_code"),
    "household_id": Attribute("p.household_id"),
    "kk_number": Attribute("h.kk_number"),
    "program": Attribute("p.programs"),
}
_ALIASES = {"uin": "nik", "nationalid": "nik", "national_id": "nik", "nid": "nik", "kk": "kk_number",
            "familycard": "kk_number", "family_card": "kk_number", "name": "full_name", "gender": "sex",
            "dob": "birth_date", "member_status": "status", "group_id": "household_id",
            "dtks_household_id": "household_id"}
_SEX = {"m": "male", "male": "male", "1": "male", "f": "female", "female": "female", "2": "female"}
_OPERATORS = {"eq": "=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "in": "in", "ne": "<>",
              "$eq": "=", "$lt": "<", "$gt": ">", "$lte": "<=", "$le": "<=", "$gte": ">=", "$ge": ">=",
              "$in": "in", "$ne": "<>"}
MAX_PAGE_SIZE = 500


class InvalidQuery(Exception):
    """The search cannot be run as asked; `reason` is the standard's code for the rejected request."""

    def __init__(self, reason: SearchReasonCode, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _name(attribute: str) -> str:
    key = attribute.strip().lower().replace("-", "_")
    return _ALIASES.get(key, key)


@dataclass
class Sql:
    """A WHERE clause under construction for one entity, with its parameters."""

    entity: str
    args: list[Any] = field(default_factory=list)

    def param(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def predicate(self, attribute: str, operator: str, value: Any) -> str:
        name = _name(attribute)
        own, members = (_GROUP, _MEMBER) if self.entity == GROUP else (_MEMBER, {})
        if name in own:
            return self._compare(own[name], name, operator, value)
        if name in members:  # a household matches through one of its members
            inner = self._compare(members[name], name, operator, value)
            return f"EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.household_id AND {inner})"
        raise InvalidQuery(SearchReasonCode.FILTER_INVALID, f"{attribute!r} is not a searchable attribute of a {self.entity}")

    def _compare(self, attribute: Attribute, name: str, operator: str, value: Any) -> str:
        op = _OPERATORS.get(str(operator).lower())
        if op is None:
            raise InvalidQuery(SearchReasonCode.FILTER_INVALID, f"unknown operator {operator!r}")
        if name == "program":
            if op != "=":
                raise InvalidQuery(SearchReasonCode.FILTER_INVALID, "program is searched with eq only")
            return f"p.programs @> {self.param(_json_program(value))}::jsonb"
        if op == "in":
            values = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
            return f"{attribute.sql} = ANY({self.param([_typed(attribute, name, v) for v in values])})"
        if name == "region_code" and op == "=":  # a province, regency or district code covers its villages
            return f"{attribute.sql} LIKE {self.param(str(value) + '%')}"
        return f"{attribute.sql} {op} {self.param(_typed(attribute, name, value))}"

    def sort(self, sort: list[Sort] | None) -> str:
        own = _GROUP if self.entity == GROUP else _MEMBER
        terms = []
        for item in sort or []:
            name = _name(item.attribute_name)
            order = (item.sort_order or "asc").lower()
            if name not in own or name == "program" or order not in ("asc", "desc"):
                raise InvalidQuery(SearchReasonCode.SORT_INVALID, f"cannot sort a {self.entity} by {item.attribute_name!r}"
                                   f" {order}")
            terms.append(f"{own[name].sql} {order.upper()}")
        # a stable order under any sort, so pages neither repeat nor skip a record
        terms += ["h.household_id"] if self.entity == GROUP else ["p.nik", "p.household_id"]
        return ", ".join(terms)


def _json_program(value: Any) -> str:
    return json.dumps([{"program": str(value).upper(), "active": True}])


def _typed(attribute: Attribute, name: str, value: Any) -> Any:
    try:
        if name == "sex":
            return _SEX[str(value).strip().lower()]
        if attribute.kind is int:
            return int(float(value))
        if attribute.kind is date:
            return date.fromisoformat(str(value)[:10])
        if attribute.kind is datetime:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return str(value)
    except (KeyError, ValueError, TypeError):
        raise InvalidQuery(SearchReasonCode.FILTER_INVALID, f"{value!r} is not a valid {name}") from None


_IDENTIFIER_TYPES = {"nik": "nik", "uin": "nik", "nationalid": "nik", "national_id": "nik", "nid": "nik",
                     "kk": "kk_number", "familycard": "kk_number", "family_card": "kk_number",
                     "dtks_household_id": "household_id", "household_id": "household_id"}


def where(sql: Sql, query: Any) -> str:
    """The WHERE condition of a DCI query (`idtype-value`, a predicate list, or a NoSql-style template)."""
    if isinstance(query, IdentifierTypeValue):
        name = _IDENTIFIER_TYPES.get(query.type.strip().lower().replace("-", "_"))
        if name is None:
            raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, f"unknown identifier type {query.type!r}")
        return sql.predicate(name, "eq", query.value)
    if isinstance(query, list):
        return _predicates(sql, query)
    if isinstance(query, ExpressionTemplate):
        expression = query.value.get("expression", query.value)
        if "query" not in expression:
            raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, "the expression has no query")
        return _document(sql, expression["query"])
    raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, "the query is not one the standard defines")


def _predicates(sql: Sql, items: list[PredicateWithCondition]) -> str:
    if not items:
        raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, "the predicate list is empty")
    clauses = []
    for item in sorted(items, key=lambda i: i.seq_num if i.seq_num is not None else 0):
        first, *rest = item.expressions
        clause = _one(sql, first)
        for predicate in rest:
            match item.condition or "and":
                case "or":
                    clause = f"({clause} OR {_one(sql, predicate)})"
                case "not":
                    clause = f"({clause} AND NOT {_one(sql, predicate)})"
                case _:
                    clause = f"({clause} AND {_one(sql, predicate)})"
        clauses.append(clause)
    return " AND ".join(clauses)


def _one(sql: Sql, predicate: Predicate) -> str:
    return sql.predicate(predicate.attribute_name, predicate.operator.value, predicate.attribute_value)


def _document(sql: Sql, query: Any) -> str:
    """A MongoDB-style query document: `{"$and": [{"poverty_score": {"$lt": 5}}, ...]}`."""
    if not isinstance(query, dict) or not query:
        raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, "the expression's query must be an object")
    clauses = []
    for key, value in query.items():
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, f"{key} needs a list")
            joined = f" {key[1:].upper()} ".join(_document(sql, part) for part in value)
            clauses.append(f"({joined})")
        elif key == "$not":
            clauses.append(f"NOT ({_document(sql, value)})")
        elif isinstance(value, dict):
            clauses.extend(sql.predicate(key, op, operand) for op, operand in value.items())
        else:
            clauses.append(sql.predicate(key, "eq", value))
    return " AND ".join(clauses)


@dataclass
class Page:
    total: int
    households: list[dict[str, Any]]
    persons: list[dict[str, Any]]


async def search(connection: asyncpg.Connection | asyncpg.Pool, *, entity: str, query: Any, sort: list[Sort] | None,
                 page_number: int, page_size: int, region: str) -> Page:
    """One page of the households (with all their persons) or persons that match, inside `region`."""
    if page_size < 1 or page_size > MAX_PAGE_SIZE or page_number < 1 or page_number > 10_000:
        raise InvalidQuery(SearchReasonCode.PAGINATION_INVALID,
                           f"page_size must be 1..{MAX_PAGE_SIZE} and page_number 1..10000")
    if entity not in (GROUP, MEMBER):
        raise InvalidQuery(SearchReasonCode.SEARCH_CRITERIA_INVALID, "response_entity must be Group or Member")
    sql = Sql(entity)
    scope = f"{'h' if entity == GROUP else 'p'}.region_code LIKE {sql.param(region + '%')}"
    condition = f"{scope} AND ({where(sql, query)})"
    order = sql.sort(sort)
    offset = (page_number - 1) * page_size
    if entity == GROUP:
        source = "FROM households h"
        columns = "h.*"
    else:
        source = "FROM persons p JOIN households h USING (household_id)"
        columns = "p.*, h.kk_number"
    total = await connection.fetchval(f"SELECT count(*) {source} WHERE {condition}", *sql.args)
    rows = [dict(r) for r in await connection.fetch(
        f"SELECT {columns} {source} WHERE {condition} ORDER BY {order} LIMIT {page_size} OFFSET {offset}", *sql.args)]
    if entity == MEMBER:
        return Page(total, [], rows)
    ids = [r["household_id"] for r in rows]
    persons = [dict(r) for r in await connection.fetch(
        "SELECT * FROM persons WHERE household_id = ANY($1::text[]) ORDER BY household_id, nik", ids)]
    return Page(total, rows, persons)


async def matches(connection: asyncpg.Connection, *, household_id: str, nik: str | None, query: Any) -> bool:
    """Whether a household (or one person of it) satisfies a subscription's filter."""
    entity = MEMBER if nik else GROUP
    sql = Sql(entity)
    if entity == MEMBER:
        source = (f"FROM persons p JOIN households h USING (household_id) WHERE p.household_id = {sql.param(household_id)}"
                  f" AND p.nik = {sql.param(nik)}")
    else:
        source = f"FROM households h WHERE h.household_id = {sql.param(household_id)}"
    return bool(await connection.fetchval(f"SELECT EXISTS (SELECT 1 {source} AND ({where(sql, query)}))", *sql.args))
