"""Whether a regular expression would backtrack catastrophically in a backtracking
engine (PCRE, Python's ``re``, Java, JavaScript). Pure logic.

RE2 runs every pattern in linear time, but users paste their patterns into
other CI systems, so a recipe refuses one that could take exponential time
there: one where some part can match the same text in exponentially many
ways, as nested or overlapping repetition does (``(a+)+``, ``(\\w*)*``,
``(a|aa)+``).

The check is exact for the pattern's structure: it builds the pattern's
position automaton (Glushkov's) over a sample of characters (ASCII, some
others, and every character the pattern names) and looks for a state with
two different loops on the same text (Weber and Seidl's criterion for
exponential ambiguity), in the product of the automaton with itself.
Polynomial backtracking (``\\d+\\d+``) is not refused.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2

# Bounded repetitions are unrolled up to this count; past it they count as unbounded.
UNROLL_LIMIT = 10
MAX_POSITIONS = 400  # a pattern larger than this is not checked
SAMPLE = (
    [chr(code) for code in range(128)]
    + list("\u00a0\u00e9\u00df\u0100\u03a9\u0416\u05d0\u0660\u2028\u3000\u4e2d\ufffd")
    + ["\U0001f600"]
)
COUNTED = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
ZERO_WIDTH_ESCAPES = frozenset("bBAz")
GROUP_HEAD = re.compile(r"\((\?(:|P?<[A-Za-z0-9_]+>))?")


class Unreadable(ValueError):
    """A pattern this parser does not follow (RE2 judges validity, not this)."""


def catastrophic_part(pattern: str) -> str | None:
    """The part of ``pattern`` that can match the same text in exponentially many
    ways (and so backtrack catastrophically), or None when there is none."""
    try:
        parser = _Parser(pattern)
        tree = parser.parse()
    except (Unreadable, RecursionError):
        return None
    automaton = _Automaton(parser.flags, set(pattern))
    automaton.build(tree)
    if len(automaton.masks) > MAX_POSITIONS:
        return None
    positions = automaton.ambiguous_positions()
    if positions is None:
        return None
    return automaton.innermost_loop(positions, pattern)


class _Parser:
    """RE2 syntax into nodes: ("atom", text, span), ("empty",), ("seq", [nodes]),
    ("alt", [nodes]), ("repeat", node, least, most or None, span)."""

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0
        self.flags = ""

    def parse(self) -> tuple:
        node = self.alternation()
        if self.at != len(self.text):
            raise Unreadable("unbalanced )")
        return node

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def alternation(self) -> tuple:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.at += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> tuple:
        items = []
        while self.peek() not in ("", "|", ")"):
            start = self.at
            items.append(self.quantified(self.atom(), start))
        return ("seq", items)

    def quantified(self, node: tuple, start: int) -> tuple:
        while True:
            char = self.peek()
            counted = COUNTED.match(self.text, self.at) if char == "{" else None
            if char in ("*", "+", "?"):
                least, most = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
                self.at += 1
            elif counted:
                least = int(counted.group(1))
                most = least if counted.group(2) is None else (
                    int(counted.group(3)) if counted.group(3) else None)
                self.at = counted.end()
            else:
                return node
            if self.peek() == "?":  # lazy: the same text, tried in another order
                self.at += 1
            node = ("repeat", node, least, most, (start, self.at))

    def atom(self) -> tuple:
        char, start = self.peek(), self.at
        if char == "(":
            return self.group()
        if char == "[":
            return ("atom", self.char_class(), (start, self.at))
        if char == "\\":
            return self.escape()
        self.at += 1
        if char in "^$":
            return ("empty",)
        return ("atom", char if char == "." else re2.escape(char), (start, self.at))

    def group(self) -> tuple:
        self.at += 1
        if self.peek() == "?":
            head = re.compile(r"\?(P?<[A-Za-z0-9_]+>|[a-zA-Z-]*[:)])").match(self.text, self.at)
            if head is None:
                raise Unreadable("unknown group")
            self.at = head.end()
            if head.group().endswith(")"):  # (?flags) for the rest of the group
                self.flags += head.group()
                return ("empty",)
            self.flags += head.group() if head.group().endswith(":") else ""
        node = self.alternation()
        if self.peek() != ")":
            raise Unreadable("missing )")
        self.at += 1
        return node

    def char_class(self) -> str:
        start = self.at
        self.at += 1
        if self.peek() == "^":
            self.at += 1
        first = True
        while True:
            char = self.peek()
            if char == "":
                raise Unreadable("missing ]")
            if char == "]" and not first:
                self.at += 1
                return self.text[start:self.at]
            if char == "[" and self.text.startswith("[:", self.at):
                end = self.text.find(":]", self.at + 2)
                self.at = end + 2 if end >= 0 else self.at + 1
            elif char == "\\":
                self.skip_escape()
            else:
                self.at += 1
            first = False

    def skip_escape(self) -> None:
        """Past one backslash escape: ``\\x``, ``\\x{..}``, ``\\p{..}``, ``\\123``."""
        self.at += 1
        char = self.peek()
        self.at += 1
        if char in "xpP" and self.peek() == "{":
            end = self.text.find("}", self.at)
            if end < 0:
                raise Unreadable("missing }")
            self.at = end + 1
        elif char == "x":
            self.at += 2
        elif char in "pP":
            self.at += 1
        elif char.isdigit():  # an octal code of up to three digits
            for _ in range(2):
                if self.peek().isdigit():
                    self.at += 1

    def escape(self) -> tuple:
        start = self.at
        if self.text.startswith("\\Q", start):
            end = self.text.find("\\E", start + 2)
            stop = len(self.text) if end < 0 else end
            literal = self.text[start + 2:stop]
            self.at = stop if end < 0 else end + 2
            return ("seq", [("atom", re2.escape(c), (start, self.at)) for c in literal])
        if self.text[start + 1:start + 2] in ZERO_WIDTH_ESCAPES:
            self.at += 2
            return ("empty",)
        self.skip_escape()
        text = self.text[start:self.at]
        return ("atom", "(?s:.)" if text == "\\C" else text, (start, self.at))


@functools.lru_cache(maxsize=1024)
def _mask(text: str, flags: str, sample: tuple[str, ...]) -> int:
    """The sample characters an atom matches, as bits."""
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    prefix = "(?" + "".join(sorted(set(flags) & set("is"))) + ")" if set(flags) & set("is") else ""
    try:
        matcher = re2.compile(prefix + "(?:" + text + ")", options)
    except re2.error:
        return (1 << len(sample)) - 1  # anything: the safe assumption
    return sum(1 << index for index, char in enumerate(sample) if matcher.fullmatch(char))


class _Automaton:
    """The position automaton of a pattern: one state per atom occurrence, entered
    on the atom's characters; ``follow[p]`` are the states that may come next."""

    def __init__(self, flags: str, named: set[str]) -> None:
        self.flags = flags
        self.sample = tuple(SAMPLE + sorted(named - set(SAMPLE)))
        self.masks: list[int] = []
        self.spans: list[tuple[int, int]] = []
        # follow[p][q]: in how many ways q may come right after p (the same
        # pair twice, as in (a*)*, is two different paths).
        self.follow: list[dict[int, int]] = []
        self.loops: list[tuple[int, int]] = []

    def build(self, node: tuple) -> tuple[bool, set[int], set[int]]:
        """Add ``node``'s positions; returns whether it matches empty text, and
        its first and last positions."""
        if len(self.masks) > MAX_POSITIONS:
            return True, set(), set()
        kind = node[0]
        if kind == "atom":
            self.masks.append(_mask(node[1], self.flags, self.sample))
            self.spans.append(node[2])
            self.follow.append({})
            position = len(self.masks) - 1
            return False, {position}, {position}
        if kind == "empty":
            return True, set(), set()
        if kind == "alt":
            parts = [self.build(branch) for branch in node[1]]
            return (any(p[0] for p in parts), set().union(*(p[1] for p in parts)),
                    set().union(*(p[2] for p in parts)))
        if kind == "seq":
            return self._sequence([lambda item=item: self.build(item) for item in node[1]])
        return self._repeat(node)

    def _sequence(self, builders: list) -> tuple[bool, set[int], set[int]]:
        nullable, first, last = True, set(), set()
        for build in builders:
            empty, head, tail = build()
            self._link(last, head)
            first = first | head if nullable else first
            last = tail | last if empty else tail
            nullable = nullable and empty
        return nullable, first, last

    def _repeat(self, node: tuple) -> tuple[bool, set[int], set[int]]:
        _, body, least, most, span = node
        if most is None or most > UNROLL_LIMIT:
            least, most = min(least, UNROLL_LIMIT), None
        if most is None or most > 1:
            self.loops.append(span)
        builders = [lambda: self.build(body)] * least
        if most is None:
            builders.append(lambda: self._star(body))
        elif most > least:
            builders.append(lambda: self._optional_run(body, most - least))
        return self._sequence(builders)

    def _star(self, body: tuple) -> tuple[bool, set[int], set[int]]:
        _, first, last = self.build(body)
        self._link(last, first)
        return True, first, last

    def _link(self, sources: set[int], targets: set[int]) -> None:
        for source in sources:
            follow = self.follow[source]
            for target in targets:
                follow[target] = follow.get(target, 0) + 1

    def _optional_run(self, body: tuple, count: int) -> tuple[bool, set[int], set[int]]:
        """``(body(body(...)?)?)?``: up to ``count`` copies, nested so that the
        copies themselves add no ambiguity."""
        if count == 0:
            return True, set(), set()
        _, first, last = self._sequence(
            [lambda: self.build(body), lambda: self._optional_run(body, count - 1)])
        return True, first, last

    def ambiguous_positions(self) -> set[int] | None:
        """The positions of a loop of the product automaton that holds a state
        pair (p, p) and either a pair of two states or a step taken two ways:
        two different paths from p back to itself on one text. None when
        there is no such loop."""
        edges, doubled = self._product_edges()
        for component in _components(edges):
            members = set(component)
            if any(a == b for a, b in component) and (
                any(a != b for a, b in component)
                or any(source in members and target in members for source, target in doubled)
            ):
                return {position for pair in component for position in pair}
        return None

    def _product_edges(self) -> tuple[dict, list]:
        """The product automaton from every pair (p, p), and its steps from a
        pair (p, p) to a pair (q, q) that the automaton can take in two ways."""
        edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
        doubled = []
        todo = [(p, p) for p in range(len(self.masks))]
        while todo:
            state = todo.pop()
            if state in edges:
                continue
            a, b = state
            edges[state] = [(x, y) for x in self.follow[a] for y in self.follow[b]
                            if self.masks[x] & self.masks[y]]
            if a == b:
                doubled += [(state, (x, x)) for x, ways in self.follow[a].items() if ways > 1]
            todo.extend(next_state for next_state in edges[state] if next_state not in edges)
        return edges, doubled

    def innermost_loop(self, positions: set[int], pattern: str) -> str:
        start = min(self.spans[p][0] for p in positions)
        end = max(self.spans[p][1] for p in positions)
        """The smallest repetition around ``positions``; widened to the one
        around it when that repeats only it, as in ``(a+)+``."""
        around = sorted({span for span in self.loops if span[0] <= start and span[1] >= end},
                        key=lambda span: span[1] - span[0])
        if not around:
            return pattern
        first, last = around[0]
        for outer_first, outer_last in around[1:]:
            head = GROUP_HEAD.match(pattern, outer_first, first)
            if not (head and head.end() == first and pattern.startswith(")", last)):
                break
            first, last = outer_first, outer_last
        return pattern[first:last]


def _components(edges: dict[Any, list[Any]]) -> list[list[Any]]:
    """Strongly connected components (Kosaraju's, without recursion)."""
    order, seen = [], set()
    for root in edges:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(edges[root]))]
        while stack:
            node, rest = stack[-1]
            step = next((n for n in rest if n not in seen), None)
            if step is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(step)
                stack.append((step, iter(edges[step])))
    backward: dict[Any, list[Any]] = {node: [] for node in edges}
    for node, targets in edges.items():
        for target in targets:
            backward[target].append(node)
    components, assigned = [], set()
    for root in reversed(order):
        if root in assigned:
            continue
        component, stack = [], [root]
        assigned.add(root)
        while stack:
            node = stack.pop()
            component.append(node)
            for source in backward[node]:
                if source not in assigned:
                    assigned.add(source)
                    stack.append(source)
        components.append(component)
    return components
