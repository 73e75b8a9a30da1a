"""The index as derived data: updates show at once, rebuilds never stop searches, and a crash,
a stale lock or a damaged index at start-up never leaves search broken."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from search_support import ALL, EN, build, doc

from kb.search.index import CURRENT, LOCKFILE, SearchIndex
from kb.search.query import search


def keys(index: SearchIndex, lang: str, q: str) -> list[str]:
    return [hit.key for hit in search(index, lang, q).hits]


def live_dir(root: Path) -> Path:
    return root / (root / CURRENT).read_text().strip()


def test_update_is_visible_to_the_next_search(tmp_path: Path) -> None:
    index = build(tmp_path)
    assert keys(index, "en", "voucher") == []
    index.update([doc("en-voucher:en", "en", "Gift voucher balance", "Check your voucher.")])
    assert keys(index, "en", "voucher") == ["en-voucher"]
    edited = doc("en-voucher:en", "en", "Gift card balance", "Check your card.")
    index.update([edited])
    assert keys(index, "en", "voucher") == []
    assert "en-voucher" in keys(index, "en", "gift card balance")
    index.update(deletes=["en-voucher:en"])
    assert "en-voucher" not in keys(index, "en", "gift card balance")


def test_an_updated_article_is_not_found_twice(tmp_path: Path) -> None:
    index = build(tmp_path)
    before = search(index, "en", "refund").total
    index.update([replace(EN[0], title="When do I get my refund back?")])
    assert search(index, "en", "refund").total == before


def test_searches_keep_answering_during_a_rebuild(tmp_path: Path) -> None:
    index = build(tmp_path)
    many = [doc(f"n{i}:en", "en", f"Note {i}", f"Refund note number {i}.") for i in range(400)]
    answers: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def searching() -> None:
        while not done.is_set():
            try:
                answers.append(len(keys(index, "en", "warranty")))
            except BaseException as exc:
                errors.append(exc)

    thread = threading.Thread(target=searching)
    thread.start()
    try:
        index.rebuild([*ALL, *many])
    finally:
        done.set()
        thread.join()
    assert not errors
    assert answers
    assert all(n >= 2 for n in answers)
    assert search(index, "en", "note").total == 400


def test_update_during_a_rebuild_is_not_lost(tmp_path: Path) -> None:
    index = build(tmp_path)
    many = [doc(f"n{i}:en", "en", f"Note {i}", f"Plain note number {i}.") for i in range(300)]
    rebuild = threading.Thread(target=index.rebuild, args=([*ALL, *many],))
    rebuild.start()
    time.sleep(0.05)
    index.update([doc("late:en", "en", "Late arrival", "Published while rebuilding.")])
    assert keys(index, "en", "arrival") == ["late"]
    rebuild.join()
    assert keys(index, "en", "arrival") == ["late"]
    assert search(index, "en", "note").total == 300


def test_old_generations_are_cleaned_up(tmp_path: Path) -> None:
    index = build(tmp_path)
    for _ in range(3):
        index.rebuild(ALL)
    assert len(list(tmp_path.glob("g-*"))) <= 2


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from whoosh.util.filelock import FileLock
    lock = FileLock(sys.argv[1])
    assert lock.acquire(blocking=False)
    print("locked", flush=True)
    time.sleep(60)
    """
)

CRASH_WRITING = textwrap.dedent(
    """
    import os, sys
    from whoosh import index
    from kb.search.fields import document_fields
    from kb.search.analysis import Analyzer
    from kb.search.types import SearchDocument
    ix = index.open_dir(sys.argv[1], indexname="MAIN")
    writer = ix.writer()
    document = SearchDocument("ghost:en", "ghost", "en", "ghost", "Ghost", body="never committed")
    writer.add_document(**document_fields(document, Analyzer("en")))
    os._exit(1)  # a crash in the middle of a write: no commit, no cleanup
    """
)


def test_a_write_lock_held_by_a_hung_writer_is_cleared_at_start_up(tmp_path: Path) -> None:
    build(tmp_path).close()
    lock = live_dir(tmp_path) / LOCKFILE
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        index = SearchIndex(tmp_path)  # start-up
        index.update([doc("after:en", "en", "After the hang", "Written after start-up.")])
        assert keys(index, "en", "hang") == ["after"]
        assert "en-warranty" in keys(index, "en", "warranty")
    finally:
        holder.kill()
        holder.wait()


def test_a_crash_in_the_middle_of_a_write_leaves_search_working(tmp_path: Path) -> None:
    build(tmp_path).close()
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_WRITING, str(live_dir(tmp_path))],
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert crashed.returncode == 1
    assert (live_dir(tmp_path) / LOCKFILE).exists()
    index = SearchIndex(tmp_path)
    assert not (live_dir(tmp_path) / LOCKFILE).exists()
    assert keys(index, "en", "ghost") == []
    index.update([doc("after:en", "en", "After the crash", "Written after start-up.")])
    assert keys(index, "en", "crash") == ["after"]


def test_a_damaged_index_is_rebuilt_from_the_source_at_start_up(tmp_path: Path) -> None:
    build(tmp_path).close()
    for path in live_dir(tmp_path).iterdir():
        if path.suffix in {".toc", ".seg"}:
            path.write_bytes(b"\x00garbage")
    index = SearchIndex(tmp_path, source=lambda: ALL)
    assert "en-warranty" in keys(index, "en", "warranty")
    assert not index.needs_rebuild


def test_a_damaged_index_without_a_source_answers_empty_until_rebuilt(tmp_path: Path) -> None:
    build(tmp_path).close()
    (live_dir(tmp_path) / "vocab.pickle").write_bytes(b"not a pickle")
    index = SearchIndex(tmp_path)
    assert index.needs_rebuild
    assert search(index, "en", "warranty").hits == []
    index.rebuild(ALL)
    assert "en-warranty" in keys(index, "en", "warranty")


def test_a_missing_index_is_built_at_start_up(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "fresh", source=lambda: ALL)
    assert "sv-withdrawal" in keys(index, "sv", "ångerrätt")


def test_a_rebuild_by_another_process_is_followed(tmp_path: Path) -> None:
    server = build(tmp_path, EN)
    assert keys(server, "sv", "ångerrätt") == []
    SearchIndex(tmp_path).rebuild(ALL)  # e.g. ``portal kb reindex`` in another process
    server._checked = 0.0  # skip the one-second wait between checks
    assert "sv-withdrawal" in keys(server, "sv", "ångerrätt")


@pytest.mark.parametrize("lang", ["da", "fi"])
def test_danish_and_finnish_are_ready(tmp_path: Path, lang: str) -> None:
    words = {"da": ("Fortrydelsesret", "Du har fortrydelsesret i 14 dage."),
             "fi": ("Palautusoikeus", "Sinulla on palautusoikeus 14 päivää.")}[lang]  # fmt: skip
    index = build(tmp_path, [doc(f"x:{lang}", lang, *words)])
    assert keys(index, lang, words[0].lower()) == ["x"]


def test_a_large_rebuild_is_written_by_one_process_per_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb.search.build as build_module

    monkeypatch.setattr(build_module, "PARALLEL_MIN_DOCUMENTS", 0)
    many = [doc(f"n{i}:en", "en", f"Note {i}", f"Parallel note number {i}.") for i in range(60)]
    index = SearchIndex(tmp_path)
    index.rebuild([*ALL, *many])
    assert search(index, "en", "parallel note").total == 60
    assert "sv-withdrawal" in keys(index, "sv", "ångerrätt")
    index.update([doc("late:en", "en", "Late note", "Parallel afterthought.")])
    assert search(index, "en", "parallel").total == 61
