"""The text of a big build log, line by line, the same on every run.

Each line reads like a compiler's or a test runner's (40-80 characters) and
carries its own line number as "[n/total]", so a reader can tell that a row
shows the line it claims. Every 997th line turns yellow without resetting:
the colour carries over the two lines after it, and the third resets it. The
rare word is on exactly RARE_COUNT lines spread evenly over the log.
"""

RARE_WORD = "zanzibar"
RARE_COUNT = 12
MODULES = ("net", "core", "io", "ui", "db", "auth", "util", "render", "codec", "sched")
FILES = ("socket", "buffer", "parser", "queue", "reader", "writer", "cache", "index",
         "stream", "table", "frame", "timer", "events", "config")
YELLOW, RESET, GREEN = "\x1b[33m", "\x1b[0m", "\x1b[32m"


def rare_lines(total: int) -> list[int]:
    """The line numbers holding the rare word."""
    return [total * (2 * k + 1) // (2 * RARE_COUNT) for k in range(RARE_COUNT)]


def line(n: int, total: int, rare: frozenset[int]) -> str:
    step = f"[{n}/{total}]"
    module, name = MODULES[n % 10], FILES[(n // 10) % 14]
    if n in rare:
        return f"{step} note: fetched {RARE_WORD}-{module} mirror in {n % 97} ms"
    phase = n % 997
    if phase == 0:
        return f"{YELLOW}{step} warning: unused variable 'tmp' in src/{module}/{name}.cpp"
    if phase in (1, 2):
        return f"{step}   note: declared here, src/{module}/{name}.h:{n % 300}"
    if phase == 3:
        return f"{RESET}{step} Linking CXX static library lib{module}.a"
    kind = n % 7
    if kind < 3:
        return f"{step} Building CXX object src/{module}/{name}_{n % 50}.cpp.o"
    if kind < 5:
        return (f"{step} tests/{module}/test_{name}.py::test_case_{n % 89} "
                f"{GREEN}PASSED{RESET}")
    if kind == 5:
        return f"{step} {module}: {name} ok in {n % 997} ms, 0 warnings"
    return f"{step} Generating {name}_{n % 13}.pb.cc from proto/{module}/{name}.proto"


def write_lines(out, first: int, last: int, total: int, rare: frozenset[int]) -> None:
    """Lines first..last to ``out`` in 10,000-line writes."""
    for start in range(first, last + 1, 10_000):
        end = min(last, start + 9_999)
        out.write("\n".join(line(n, total, rare) for n in range(start, end + 1)) + "\n")
    out.flush()
