"""A build that shows annotations and steps: a step in each CI system's syntax,
a warning, a compiler-style error that the recipe's problem pattern catches,
and a failure with an error annotation."""

import sys
import time

ESC = "\x1b"


def pause() -> None:
    time.sleep(0.3)


print("::group::Install dependencies (GitHub syntax)", flush=True)
for package in ("flask", "redis", "celery"):
    print(f"installing {package}", flush=True)
    pause()
print("::warning file=requirements.txt,line=3,title=Unpinned::celery has no version pin",
      flush=True)
print("::endgroup::", flush=True)

print(f"{ESC}[0Ksection_start:{int(time.time())}:compile[collapsed=true]\r{ESC}[0K"
      f"{ESC}[1mCompile (GitLab syntax){ESC}[0m", flush=True)
print("cc -c src/main.c", flush=True)
pause()
print("src/main.c:42: error: 'count' undeclared (first use in this function)", flush=True)
print(f"{ESC}[0Ksection_end:{int(time.time())}:compile\r{ESC}[0K", flush=True)

print("--- Unit tests (Buildkite syntax)", flush=True)
for number in range(1, 4):
    print(f"test_{number} ... ok", flush=True)
    pause()
print("+++ Integration tests (Buildkite syntax, expanded)", flush=True)
print("test_login ... FAILED", flush=True)
print("::notice title=Flaky?::test_login failed once last week too", flush=True)
print("::error file=tests/test_login.py,line=17,col=5,title=AssertionError::"
      "expected 200, got 500%0Aresponse: internal error", flush=True)
sys.exit(1)
