"""Every annotation syntax: workflow commands with every property and escape, lines
that are not commands, lines the recipe's problem patterns match, a secret inside
commands, and NOTICES notices for paging. Waits for the GATE file first, if named."""

import os
import time

gate = os.environ.get("GATE", "")
while gate and not os.path.exists(gate):
    time.sleep(0.05)
secret = os.environ["TOKEN"]
escaped = secret.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
lines = [
    "starting",  # 1
    "::error file=src/app.py,line=10,endLine=12,col=5,endColumn=9,title=Bad%2C very%3A bad"
    "::first%0Asecond%25 done%0D",  # 2
    "::warning::plain warning",  # 3
    "::notice title=FYI::a notice",  # 4
    "   ::warning file=x.py,line=oops,col=::indented",  # 5
    "::error::",  # 6
    "::debug::not an annotation",  # 7
    "::erro::not one either",  # 8
    "text before ::error::not at the start",  # 9
    "lib/util.c:7:3: error: bad thing",  # 10
    "WARN disk almost full",  # 11
    f"::error title={escaped}::the token is {secret}",  # 12
]
lines += [f"::notice::note {number}" for number in range(1, int(os.environ["NOTICES"]) + 1)]
for line in lines:
    print(line, flush=True)
