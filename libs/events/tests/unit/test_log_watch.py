"""Acceptance 7's watch: a test that writes an unmasked NIK to a log fails, and so does a session whose log
files hold one; what the services' formatter masks passes."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

NIK = "3571011705800001"


@pytest.fixture
def suite(pytester: pytest.Pytester):
    def run(source: str):
        pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
        pytester.makepyfile(test_written=source)
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")

    return run


def test_a_nik_printed_or_written_raw_by_a_handler_fails_the_test_that_wrote_it(suite):
    result = suite(f'''
import logging, sys

def test_prints():
    print("looked up {NIK}")

def test_writes_to_stderr():
    sys.stderr.write("person {NIK} not found\\n")

def test_a_raw_handler():
    handler = logging.StreamHandler(sys.stderr)
    logging.getLogger("raw").addHandler(handler)
    try:
        logging.getLogger("raw").warning("NIK %s refused", "{NIK}")
    finally:
        logging.getLogger("raw").removeHandler(handler)

def test_quiet():
    print("nothing personal")
''')
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*test_prints wrote 1 log line(s) with an unmasked NIK (call)*",
                                 "*looked up 357101********01*"])
    assert NIK not in result.stdout.str()


def test_records_are_read_as_the_services_render_them_so_masked_ones_pass(suite):
    result = suite(f'''
import logging

def test_logs_a_nik_through_the_services_formatter():
    logging.getLogger("siks.registry").warning("person %s registered", "{NIK}")
''')
    result.assert_outcomes(passed=1)


def test_a_log_file_under_the_session_temp_dir_with_a_nik_fails_the_session(suite, pytester):
    result = suite(f'''
def test_a_server_writes_its_log(tmp_path):
    (tmp_path / "postgres.log").write_text("DETAIL:  Key (nik)=({NIK}) already exists.\\n")
''')
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*unmasked NIKs in log files*", "*postgres.log: DETAIL:  Key (nik)=(357101********01)*"])
    # The inner session's temp dir lies inside this session's, whose own watch would read the file next.
    # Only the inner session's: the parent is this session's temp dir, and the session's own PostgreSQL
    # writes its postgres.log there (deleting it blinded tests/logs for the rest of the suite).
    inner = list((pytester.path.parent / f"tmp-{pytester.path.name}").rglob("postgres.log"))  # pytester's TMPDIR
    assert inner, "the inner session's log file was not where the watch read it"
    for log in inner:
        log.unlink()


def test_under_xdist_workers_a_leaking_test_fails_and_so_does_a_log_file_in_a_workers_temp_dir(pytester):
    """`make test` runs the suite in xdist workers: each worker's tests are watched where they run, and the
    controller reads every worker's temp dir (they lie inside its own) once the workers have stopped."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_written=f'''
def test_prints():
    print("looked up {NIK}")

def test_quiet():
    print("nothing personal")
''', test_files=f'''
def test_a_server_writes_its_log(tmp_path):
    (tmp_path / "postgres.log").write_text("DETAIL:  Key (nik)=({NIK}) already exists.\\n")
''')
    try:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "2")
        result.stdout.fnmatch_lines(["*created: 2/2 workers*"])
        result.assert_outcomes(passed=2, failed=1)
        # The section is written where the session's exit status is set: the log file alone fails it.
        result.stdout.fnmatch_lines(["*test_prints wrote 1 log line(s) with an unmasked NIK (call)*",
                                     "*unmasked NIKs in log files*",
                                     "*popen-gw*postgres.log: DETAIL:  Key (nik)=(357101********01)*"])
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        assert NIK not in result.stdout.str()
    finally:
        # Inside this session's temp dir: this session's watch would read them next.
        for log in pytester.path.rglob("postgres.log"):
            log.unlink()
