"""The exchange's per-file shortcuts give the same results as the long way.

* A file the journal did not know when it was picked skips the look-ups of
  earlier claims; a file it knew (a crash struck after its output names were
  claimed) still gets those names back.
* The input's bytes are passed on only when they hold one namespace declaration
  (counted on the bytes): a redundant declaration, or ``xmlns`` in a text, makes
  the output the re-serialised document, equal to what was read.
* A pass sets the objects alive before it aside from the cyclic garbage
  collector and puts them back at its end.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import attrs
import pytest
from exchange_helpers import drop, exchange_config

from cpas.adapters import exchange as exchange_module
from cpas.adapters.exchange import run_once
from cpas.adapters.xml.documents import from_xml, to_xml
from cpas.sdk.samples import sample_set


def test_crash_after_the_claim_gets_the_claimed_name_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies while writing (names claimed, nothing written): the rerun
    writes the very name it claimed, not a second one (``a.<digest>.xml``), and the
    journal counts two attempts."""
    data = to_xml(sample_set().piis)
    drop(tmp_path / "in", "a.xml", data)

    def crash(*args: Any, **options: Any) -> Any:
        raise KeyboardInterrupt  # not an Exception: escapes like a crash

    with monkeypatch.context() as patch:
        patch.setattr(exchange_module, "write_atomically", crash)
        with pytest.raises(KeyboardInterrupt):
            run_once(exchange_config(tmp_path))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert (outcome.outcome, outcome.outputs, outcome.attempt) == ("written", ("a.xml",), 2)
    assert (tmp_path / "out" / "a.xml").read_bytes() == data
    assert not (tmp_path / "in" / "a.xml").exists()


def test_first_attempts_of_new_files_take_free_names(tmp_path: Path) -> None:
    """New files (unknown to the journal) in one batch, one of them under a name already
    in the outbox: each gets its own output, the taken name is not overwritten."""
    samples = sample_set()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b.xml").write_bytes(b"someone else's file")
    drop(tmp_path / "in", "a.xml", to_xml(samples.piis))
    drop(tmp_path / "in", "b.xml", to_xml(samples.bilan))
    outcomes = run_once(exchange_config(tmp_path)).outcomes
    assert [(o.outcome, o.attempt) for o in outcomes] == [("written", 1), ("written", 1)]
    assert outcomes[0].outputs == ("a.xml",)
    (second,) = outcomes[1].outputs
    assert second.startswith("b.") and second != "b.xml"
    assert (tmp_path / "out" / "b.xml").read_bytes() == b"someone else's file"
    assert from_xml(tmp_path / "out" / second) == samples.bilan


def test_a_redundant_namespace_declaration_is_reserialised(tmp_path: Path) -> None:
    """The document's own namespace declared again further down: every element has the
    same namespaces, but the bytes hold more than the document: the output is to_xml's."""
    piis = sample_set().piis
    canonical = to_xml(piis)
    data = canonical.replace(b"<beneficiary>",
                             b'<beneficiary xmlns="urn:be:cpas-sdk:piis:1">', 1)
    assert data != canonical
    drop(tmp_path / "in", "piis.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert outcome.outcome == "written"
    assert (tmp_path / "out" / "piis.xml").read_bytes() == canonical


def test_xmlns_in_a_text_only_makes_the_output_reserialised(tmp_path: Path) -> None:
    """A comment field mentioning ``xmlns``: the document is written (re-serialised: the
    count of declarations cannot tell), equal to what was read, with its text."""
    piis = attrs.evolve(sample_set().piis, closure_comment='see xmlns="urn:x" in the export')
    data = to_xml(piis)
    drop(tmp_path / "in", "piis.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert outcome.outcome == "written"
    written = (tmp_path / "out" / "piis.xml").read_bytes()
    assert written == data  # to_xml of the document read is to_xml of the document
    assert from_xml(written) == piis


def test_a_pass_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    """Nothing frozen before a pass: nothing frozen after it. Objects frozen by the
    process itself before the pass: still frozen after it (the pass leaves them)."""
    drop(tmp_path / "in", "a.xml", to_xml(sample_set().piis))
    gc.unfreeze()
    run_once(exchange_config(tmp_path))
    assert gc.get_freeze_count() == 0
    drop(tmp_path / "in", "b.xml", to_xml(sample_set().bilan))
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        run_once(exchange_config(tmp_path))
        # Still frozen (a few of those objects may have been freed meanwhile).
        assert gc.get_freeze_count() > frozen * 0.9
    finally:
        gc.unfreeze()
