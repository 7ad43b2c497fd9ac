"""A log handler that cannot write must not print the raw record (with its NIK) instead."""

from __future__ import annotations

import io
import logging

from siks_events import telemetry


def test_a_broken_log_stream_prints_no_unmasked_nik(capsys):
    broken = io.StringIO()
    telemetry.configure_logging("test", stream=broken)
    broken.close()
    logging.getLogger("siks.test").info("looking up %s", "3571011705800001")
    assert "3571011705800001" not in capsys.readouterr().err
