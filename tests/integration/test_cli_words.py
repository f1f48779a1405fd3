"""``builds tail`` ends by saying how the build ended in the page's words (never a
negative exit code); its exit code and its standard output, the log, are as before."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support import cli, run_cli, wait_for_state

pytestmark = pytest.mark.integration


def test_tail_says_how_the_build_ended_as_the_page_does(server, worker, redis_client):
    code, out, err = run_cli(server, "start", "fail", "EXIT_CODE=3", "--follow")
    assert code == 1, err
    assert out.splitlines() == ["about to fail", "to stderr"]
    assert re.search(r"#\d+ failed: exit code 3 after \d+s · 2 lines", err), err

    build = requests.post(f"{server}/api/builds",
                          json={"recipe": "slow", "params": {"LINES": "500"}}).json()
    wait_for_state(redis_client, build["id"], "running")
    tail = cli(server, "tail", str(build["id"]))
    assert requests.post(f"{server}/api/builds/{build['id']}/cancel").status_code == 202
    out, err = tail.communicate(timeout=120)
    assert tail.returncode == 1, err
    assert all(line.startswith("line ") for line in out.splitlines())
    ending = err.splitlines()[-1]
    said = r"buildtail: #\d+ cancelled \(SIGTERM\) after \d+s · \d+ lines( · verified)?"
    assert re.fullmatch(said, ending), ending
