"""``portal kb import`` and ``portal kb export``: what an operator migrating from another help
desk runs, and what they read afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support import TEST_SECRET

from kb import articles
from portal.cli import main


@pytest.fixture
def run(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    env = {
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DATA_DIR": str(tmp_path / "var"),
        "PORTAL_SECRET_KEY": TEST_SECRET,
    }

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["kb", *args], env=env)

    return invoke


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "from-zendesk"
    (folder / "billing").mkdir(parents=True)
    (folder / "billing" / "invoice.en.md").write_text(
        "---\ntitle: Your invoice\nlang: en\ncategory: billing\nzendesk_id: 12\n---\n"
        "Pay by day 30.\n"
    )
    (folder / "billing" / "invoice.sv.md").write_text(
        "---\ntitle: Din faktura\nlang: sv\ncategory: billing\n---\nBetala inom 30 dagar.\n"
    )
    return folder


def test_import_prints_a_report_and_a_second_run_changes_nothing(run, services, tmp_path) -> None:
    folder = _folder(tmp_path)

    first = run("import", str(folder))
    second = run("import", str(folder), "--author", "ops")

    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated, 0 unchanged, 0 failed" in first.output
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in second.output
    with services.read() as session:
        invoice = articles.get_by_slug(session, "sv", "invoice")
        assert invoice.title == "Din faktura"
        assert invoice.category.key == "billing"
        assert [r.author for r in articles.list_revisions(session, invoice.id)] == ["import"]


def test_a_bad_file_is_named_with_its_line_and_the_command_fails(run, services, tmp_path) -> None:
    folder = _folder(tmp_path)
    bad = folder / "billing" / "refund.en.md"
    bad.write_text("---\ntitle: Refunds\nlang: en\ntags: {oops: 1}\n---\nText\n")

    result = run("import", str(folder))

    assert result.exit_code == 1
    assert f"{bad}:4: tags must be a list" in result.output
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in result.output
    with services.read() as session:  # the good files were imported all the same
        assert len(articles.translation_ids(session)) == 2


def test_export_writes_the_import_format(run, tmp_path) -> None:
    run("import", str(_folder(tmp_path)))
    out = tmp_path / "export"

    result = run("export", str(out))

    assert result.exit_code == 0, result.output
    assert "3 files written" in result.output
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.md")) == [
        "billing/invoice.en.md",
        "billing/invoice.sv.md",
    ]
    assert (out / "billing" / "invoice.en.md").read_text() == (
        "---\nkey: invoice\nlang: en\ntitle: Your invoice\nslug: invoice\ncategory: billing\n"
        "status: published\nzendesk_id: 12\n---\nPay by day 30.\n"
    )
