"""The merge in parts spilled to disk decides exactly what the merge in memory decides, a part at a time."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from siks_registry.adapters.bulk.generator import generate
from siks_registry.adapters.bulk.merge import _Parts, merge, merge_streamed

PARTS = 7


@pytest.fixture(scope="module")
def island_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Generated islands with planted person conflicts, plus a file adding a bad NIK and a disputed village."""
    folder = tmp_path_factory.mktemp("islands")
    files = generate(folder, households=400, islands=("DTKS", "PKH", "BST"), overlap=0.3, conflicts=9,
                     seed=5).paths(folder)
    with files[0].open(newline="") as source:
        rows = list(csv.DictReader(source))
    extra = folder / "EXTRA.csv"
    with extra.open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow({**rows[0], "nik": "12345"})
        moved = rows[-1]
        village = "3571011002" if moved["region_code"] != "3571011002" else "3571011001"
        writer.writerow({**moved, "region_code": village})
    return [*files, extra]


def test_a_merge_in_parts_decides_what_the_merge_in_memory_decides(island_files, tmp_path):
    whole = merge(island_files)
    streamed = merge_streamed(island_files, spill_folder=tmp_path, parts=PARTS)
    households = list(streamed.households())

    assert sorted(h.kk_number for h in households) == sorted(h.kk_number for h in whole.households)
    by_kk = {h.kk_number: h for h in whole.households}
    for household in households:
        assert household == by_kk[household.kk_number]  # the same fields, members in the same order, programmes
    assert sorted(map(repr, streamed.conflicts)) == sorted(map(repr, whole.conflicts))
    assert streamed.rejected == whole.rejected
    assert (streamed.rows_read, streamed.persons_merged, streamed.persons_in_several_files) == (
        whole.rows_read, whole.persons_merged, whole.persons_in_several_files)
    # the planted cases are really there, so equality above is not two empty lists agreeing
    assert {c.field for c in whole.conflicts} >= {"region_code", "full_name"}
    assert any(r.nik == "12345" for r in whole.rejected)


def test_a_merge_in_parts_keeps_its_rows_on_disk_not_in_memory(island_files, tmp_path, monkeypatch):
    monkeypatch.setattr(_Parts, "CHUNK", 16)  # these files are small: spill them in small chunks
    streamed = merge_streamed(island_files, spill_folder=tmp_path, parts=PARTS)
    spilled = sorted(tmp_path.iterdir())
    assert len(spilled) == 2 * PARTS
    input_size = sum(path.stat().st_size for path in island_files)
    assert sum(path.stat().st_size for path in spilled if path.name.startswith("households")) > input_size / 4
    assert all(household.members for household in streamed.households())
