"""The plan cache: a cached plan is the plan, and anything wrong with the cache means a fresh load."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import PlanError, decide, load_plan, load_plans
from kompetenceplan.errors import KompetenceplanError
from kompetenceplan.plan import cache, loader
from kompetenceplan.plan.model import Compare
from kompetenceplan.plan.operators import OPERATORS

from .conftest import NYBORG, SMALL_PLAN, examples, write_plan
from .strategies import cases


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(folder))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.plan"))


def own_fields(plan: Any) -> dict[str, Any]:
    return {f.name: getattr(plan, f.name) for f in dataclasses.fields(plan) if f.name != "memo"}


def test_the_second_load_is_read_from_the_cache_and_is_the_same_plan(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first load parses and stores the plan (a private file in a private folder); the second
    is read back without the loader and holds the same data, field for field."""
    fresh = load_plans(NYBORG).latest
    [entry] = entries(cache_dir)
    assert cache_dir.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.name.endswith(f"-{fresh.fingerprint}.plan")
    monkeypatch.setattr(loader, "load_plan", lambda path: pytest.fail("parsed again"))
    cached = load_plans(NYBORG).latest
    assert cached is not fresh
    assert own_fields(cached) == own_fields(fresh)
    assert cached.memo == {}
    assert all(t.operator is OPERATORS[t.op] for r in cached.rows for t in r.terms)


_NYBORG = load_plan(NYBORG)
_CACHED: dict[str, Any] = {}


def _cached_nyborg() -> Any:
    if "plan" not in _CACHED:
        payload = pickle.dumps(_NYBORG, protocol=pickle.HIGHEST_PROTOCOL)
        _CACHED["plan"] = cache._PlanUnpickler(io.BytesIO(payload)).load()  # as the cache reads it
    return _CACHED["plan"]


@examples(1000)
@given(case=cases(_NYBORG))
def test_a_cached_plan_decides_every_case_as_the_loaded_plan(case: dict[str, Any]) -> None:
    """Through pickling and back (what the cache stores), every case gets the same decision,
    with the same explanation, or the same refusal."""
    cached = _cached_nyborg()
    try:
        expected = decide(_NYBORG, case).to_json()
    except KompetenceplanError as exc:
        refusal = exc
    else:
        assert decide(cached, case).to_json() == expected
        return
    with pytest.raises(type(refusal)) as got:
        decide(cached, case)
    assert str(got.value) == str(refusal)


def test_a_changed_byte_is_a_new_plan(cache_dir: Path, tmp_path: Path) -> None:
    folder = write_plan(tmp_path / "lille", SMALL_PLAN)
    before = load_plans(folder).latest
    rules = folder / "regler.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("lt = 10000", "lt = 9000"), encoding="utf-8")
    after = load_plans(folder).latest
    assert after.fingerprint != before.fingerprint
    assert after.rows != before.rows
    assert len(entries(cache_dir)) == 2


def test_another_program_never_reads_an_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit to a module that makes a plan — even one that keeps the file's size and time, as
    a restore or an rsync does — another Python or another program changes the key; a module
    that cannot be found means no cache at all."""
    import shutil

    package = tmp_path / "kompetenceplan"
    shutil.copytree(Path(cache.__file__).parent.parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    first = cache.program_digest(package)
    law = package / "law.py"
    info = law.stat()
    text = law.read_text(encoding="utf-8")
    law.write_text(text.replace("§ 47", "§ 74", 1), encoding="utf-8")
    os.utime(law, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert law.stat().st_size == info.st_size
    assert cache.program_digest(package) != first
    law.unlink()
    assert cache.program_digest(package) is None
    key = cache.entry_key(NYBORG)
    monkeypatch.setattr(cache, "PROGRAM", "en anden version")
    other = cache.entry_key(NYBORG)
    monkeypatch.setattr(cache.sys, "version", "3.99.0")
    assert len({key, other, cache.entry_key(NYBORG)}) == 3
    monkeypatch.setattr(cache, "PROGRAM", None)
    assert cache.entry_key(NYBORG) is None


def test_the_modules_that_make_a_plan_are_all_in_the_key() -> None:
    """Every module of the package the loader runs (in a fresh interpreter) is hashed into the key."""
    import subprocess
    import sys

    probe = "import sys, kompetenceplan.plan.loader, kompetenceplan.plan.cache\nprint('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('kompetenceplan')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    package = Path(cache.__file__).resolve().parent.parent
    covered = {package / e for e in cache.PLAN_MODULES}
    for name in done.stdout.split():
        path = Path(name).resolve()
        assert path == package / "__init__.py" or path in covered or path.parent in covered, path


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="afkortet"),
        pytest.param(lambda data: data[:-1] + bytes([data[-1] ^ 1]), id="en-bit-vendt"),
        pytest.param(lambda data: b"noget andet", id="ikke-en-cache-fil"),
        pytest.param(lambda data: b"", id="tom"),
    ],
)
def test_a_spoilt_entry_is_a_miss_and_is_replaced(cache_dir: Path, spoil: Any) -> None:
    fresh = load_plans(NYBORG).latest
    [entry] = entries(cache_dir)
    entry.write_bytes(spoil(entry.read_bytes()))
    again = load_plans(NYBORG).latest
    assert own_fields(again) == own_fields(fresh)
    assert cache._read(entry) is not None  # rewritten whole


class _Exploit:
    def __reduce__(self) -> Any:
        return (os.system, ("echo pwned > /dev/null",))


def test_an_entry_naming_anything_but_a_plan_is_never_run(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with a correct checksum, a pickle that calls a function outside a plan's own classes
    is refused before anything runs; the plan is loaded fresh."""
    fresh = load_plans(NYBORG).latest
    [entry] = entries(cache_dir)
    payloads = (pickle.dumps(_Exploit()), pickle.dumps({"ikke": "en plan"}), pickle.dumps(dataclasses.replace))
    ran: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *a: ran.append(a))
    for payload in payloads:
        entry.write_bytes(cache._MAGIC + hashlib.sha256(payload).digest() + payload)
        assert cache._read(entry) is None
        assert load_plans(NYBORG).latest.fingerprint == fresh.fingerprint
    assert ran == []


def _store(entry: Path, plan: Any) -> None:
    payload = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    entry.write_bytes(cache._MAGIC + hashlib.sha256(payload).digest() + payload)


def test_an_entry_that_changes_what_the_program_decides_is_not_used(cache_dir: Path) -> None:
    """A well-formed entry with a valid checksum is still refused when it carries its own
    operator (the bulk router would compile its text), drops or lowers a body the law reserves,
    or drops a consent rule: those come from the program, never from the entry."""
    fresh = load_plans(NYBORG).latest
    [entry] = entries(cache_dir)
    code = next(iter(fresh.floors))
    buu = next(i for i, lv in enumerate(fresh.levels) if lv.body)
    forged = [
        dataclasses.replace(fresh, floors={}),
        dataclasses.replace(fresh, floors={**fresh.floors, code: (0, fresh.floors[code][1])}),
        dataclasses.replace(fresh, consent_codes={}),
        dataclasses.replace(fresh, floors={}, levels=tuple(dataclasses.replace(lv, body=None) if i == buu else lv for i, lv in enumerate(fresh.levels))),
    ]
    for plan in forged:
        _store(entry, plan)
        assert cache._read(entry) is None
    # An operator can only come back by its name: the class itself is refused under any module
    # that merely imports it, and a plan holding an operator of its own is not vouched for.
    for module in ("kompetenceplan.plan.model", "kompetenceplan.plan.operators"):
        with pytest.raises(pickle.UnpicklingError):
            cache._PlanUnpickler(io.BytesIO(b"")).find_class(module, "Operator")
    own = dataclasses.replace(OPERATORS["gte"], python="__import__('os').system('true') or")
    rows = tuple(dataclasses.replace(r, terms=tuple(dataclasses.replace(t, operator=own) if isinstance(t, Compare) and t.op == "gte" else t for t in r.terms)) for r in fresh.rows)
    assert cache._vouch(fresh)
    assert not cache._vouch(dataclasses.replace(fresh, rows=rows))
    assert (
        decide(load_plans(NYBORG).latest, {"paragraf": "bl-47", "trin": 6, "maanedlig_udgift": 80000.0, "varighed_maaneder": 12, "alder": 13, "sagens_maanedlige_udgift": 80000.0}).level.id
        == "boerne_og_ungeudvalg"
    )


def test_a_folder_others_may_write_to_is_not_used(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    cache_dir.chmod(0o777)
    assert cache.cache_dir() is None
    assert load_plans(NYBORG).latest.meta.id == "nyborg"
    assert entries(cache_dir) == []


def test_a_symbolic_link_is_neither_folder_nor_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv(cache.ENV_DIR, str(link))
    assert cache.cache_dir() is None
    monkeypatch.setenv(cache.ENV_DIR, str(real))
    load_plans(NYBORG)
    [entry] = entries(real)
    moved = real / "elsewhere"
    entry.rename(moved)
    entry.symlink_to(moved)
    assert cache._read(entry) is None


def test_the_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    load_plans(NYBORG)
    assert not cache_dir.exists()


def test_a_plan_that_fails_to_load_is_never_cached_and_the_loader_says_why(cache_dir: Path, tmp_path: Path) -> None:
    folder = write_plan(tmp_path / "lille", SMALL_PLAN)
    rules = folder / "regler.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('level = "leder"', 'level = "ukendt"', 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PlanError) as got:
            load_plans(folder)
        assert "ukendt" in got.value.render()
    assert entries(cache_dir) == []


def test_the_cache_keeps_a_bounded_number_of_entries(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    folder = write_plan(tmp_path / "lille", SMALL_PLAN)
    rules = folder / "regler.toml"
    text = rules.read_text(encoding="utf-8")
    for limit in (9000, 8000, 7000):
        rules.write_text(text.replace("lt = 10000", f"lt = {limit}"), encoding="utf-8")
        load_plans(folder)
    assert len(entries(cache_dir)) == 2


def test_routing_a_cached_plan_needs_neither_the_loader_nor_pydantic(cache_dir: Path) -> None:
    """A fresh interpreter with a warm cache routes without importing the rule format's parser
    or pydantic (the point of the cache: a fast start-up)."""
    import subprocess
    import sys

    load_plans(NYBORG)
    probe = (
        "import sys, json\n"
        "from kompetenceplan.plan import load_plans\n"
        "from kompetenceplan.api import decide\n"
        f"plan = load_plans({str(NYBORG)!r}).latest\n"
        "decide(plan, {'paragraf': 'bl-32-1-3', 'trin': 3, 'maanedlig_udgift': 1000.0, 'varighed_maaneder': 6, 'sagens_maanedlige_udgift': 1000.0, 'alder': 10, 'samtykke': True})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pydantic', 'kompetenceplan.plan.loader', 'kompetenceplan.plan.schema')))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={**os.environ, cache.ENV_DIR: str(cache_dir)})
    assert done.stdout.strip() == "[]", done.stdout


def test_a_relative_cache_folder_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the XDG specification says: a relative path would put the cache wherever one stands."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(cache.ENV_DIR, "cache")
    monkeypatch.setenv("XDG_CACHE_HOME", "xdg")
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "kompetenceplan"
    assert not (tmp_path / "cache").exists()
    assert not (tmp_path / "xdg").exists()


def test_pruning_never_touches_a_write_in_progress(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process's half-written file is not an entry; one left by a crash goes after an hour."""
    load_plans(NYBORG)
    fresh_temp, old_temp = cache_dir / ".tmp-a.tmp", cache_dir / ".tmp-b.tmp"
    fresh_temp.write_bytes(b"half")
    old_temp.write_bytes(b"left")
    os.utime(old_temp, (0, 0))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 1)
    cache._prune(cache_dir)
    assert fresh_temp.exists()
    assert not old_temp.exists()
    assert len(entries(cache_dir)) == 1


@given(st.binary(max_size=5000))
def test_the_fingerprints_sha256_is_hashlibs(data: bytes) -> None:
    from kompetenceplan.plan.files import sha256

    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_plan_edited_after_its_key_was_taken_is_not_stored_under_that_key(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader reads the files after the key is taken: if they changed in between, the plan
    it returns is not the key's, so nothing is stored, and the next load reads the new files."""
    folder = write_plan(tmp_path / "lille", SMALL_PLAN)
    rules = folder / "regler.toml"
    real = loader.load_plan

    def edited_first(path: Any) -> Any:
        rules.write_text(rules.read_text(encoding="utf-8").replace("lt = 10000", "lt = 9000"), encoding="utf-8")
        return real(path)

    monkeypatch.setattr(loader, "load_plan", edited_first)
    first = load_plans(folder).latest
    assert entries(cache_dir) == []
    monkeypatch.setattr(loader, "load_plan", real)
    again = load_plans(folder).latest
    assert again.fingerprint == first.fingerprint
    assert len(entries(cache_dir)) == 1
