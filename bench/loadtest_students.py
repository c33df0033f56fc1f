"""What simulated students do, each on its own `Tab` (bench/loadtest_protocol.py).

Every text a student types carries its own marker word ("qz007k0003": student 7, text 3). A student
checks each of its runs: its current marker is on screen (the token panels' text, or the word each
chip names in the ids view) and no other student's marker is anywhere in what it received.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

from bench.loadtest_protocol import Run, Tab

MARKER = re.compile(rb"qz(\d{3})k(\d{4})")
CHANGE_EVERY_S = 10.0  # a student types a new text about this often
WORDS = ("the tokenizer splits every word into pieces and each piece gets an id from its vocabulary "
         "students compare how GPT-2 BERT and Phi-3 cut the same sentence; numbers like 2024 or 3.14159 "
         "emoji 🙂 and accents café naïve Zürich are cut differently, while Chinese 分词 and code "
         "def f(x): return x**2 show why some models need more tokens than others").split()
EMBEDDING_WORDS = ("king queen man woman paris london cat dog apple computer music river bank "
                   "science history football piano coffee ocean mountain").split()


def marker(student: int, number: int) -> str:
    return f"qz{student:03d}k{number:04d}"


def student_text(student: int, number: int, chars: int = 300) -> str:
    """A few hundred characters, different for every student and every change."""
    rng = random.Random(student * 10_007 + number)
    words = [marker(student, number)]
    while sum(len(word) + 1 for word in words) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words)


@dataclass(frozen=True)
class Pace:
    """How students type: a change every ~every_s seconds, until the class ends or `texts` are typed."""
    every_s: float = CHANGE_EVERY_S
    texts: int | None = None


@dataclass
class Record:
    """What one student saw: per page, the seconds from each change to its run's script_finished."""
    student: int
    page: str
    latencies: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)  # other students' markers found in this one's runs
    own_missing: int = 0  # runs that did not show this student's own current text
    own_seen: int = 0
    lost: bool = False
    positions: list[int] = field(default_factory=list)  # generation: "number N in line" as shown

    def check(self, run: Run, own: str | None) -> None:
        if run.status != "finished":
            self.errors.append(f"run {run.status}")
        self.errors.extend(run.exceptions)
        found = {match.group(0).decode() for data in run.raw for match in MARKER.finditer(data)}
        found |= {m.group(0).decode() for text in run.texts for m in MARKER.finditer(text.encode("utf-8"))}
        self.leaks.extend(sorted(m for m in found if int(m[2:5]) != self.student))
        if own is not None:
            if run.shows(own):
                self.own_seen += 1
            else:
                self.own_missing += 1


async def _pause(rng: random.Random, mean_s: float, deadline: float) -> bool:
    """Wait about mean_s (±20 %); False when the run's time is up."""
    wait = mean_s * rng.uniform(0.8, 1.2)
    if time.monotonic() + wait >= deadline:
        return False
    await asyncio.sleep(wait)
    return True


async def tokenizer_student(tab: Tab, record: Record, deadline: float, *, hub_ids: list[str] = (),
                            pace: Pace = Pace()) -> None:
    """Opens the tokenizer page, then types a new text every ~10 s; now and then switches the view
    or the whitespace marks, and (when given hub ids) adds a tokenizer from the hub."""
    rng = random.Random(record.student)
    record.opens.append((await tab.open("/")).seconds)
    views = tab.options("tokens.view")
    number = 0
    while (pace.texts is None or number < pace.texts) and await _pause(rng, pace.every_s, deadline):
        number += 1
        text = student_text(record.student, number, rng.randrange(200, 500))
        changes = {"tokens.text": text}
        if number % 4 == 0:
            changes["tokens.view"] = [rng.choice(views)]
        if number % 7 == 0:
            changes["tokens.ws"] = bool(number % 2)
        if hub_ids and number % 5 == 0:
            changes["tokens.hub"] = hub_ids[(record.student + number) % len(hub_ids)]
        run = await tab.change(**changes)
        record.latencies.append(run.seconds)
        record.check(run, marker(record.student, number))


async def embeddings_student(tab: Tab, record: Record, deadline: float) -> None:
    """Opens the embeddings page: a word's neighbours every ~10 s, the projection method now and then."""
    rng = random.Random(record.student)
    record.opens.append((await tab.open("/embeddings")).seconds)
    methods = [m for m in (tab.options("embeddings.method") if "embeddings.method" in tab.widgets else [])
               if m in ("PCA", "t-SNE")]
    number = 0
    while await _pause(rng, CHANGE_EVERY_S, deadline):
        number += 1
        changes = {"embeddings.word": rng.choice(EMBEDDING_WORDS)}
        if methods and number % 3 == 0:
            changes["embeddings.method"] = methods[number // 3 % len(methods)]
        run = await tab.change(**changes)
        record.latencies.append(run.seconds)
        record.check(run, None)


POSITION = re.compile(r"you are number (\d+) in line")


async def generation_student(tab: Tab, record: Record, deadline: float, *, leave_early: bool = False,
                             together: asyncio.Barrier | None = None) -> None:
    """Opens the generation page, picks the small model, writes its own prompt and presses Generate
    (with `together`, at the same moment as the others: a queue forms); with `leave_early` it closes
    its tab while waiting (its turn must go to the next)."""
    record.opens.append((await tab.open("/generation")).seconds)
    small = [name for name in tab.options("generation.model") if "tiny" in name.lower()]
    if small:
        await tab.change(**{"generation.model": small[0]})
    own = marker(record.student, 1)
    await tab.change(**{"generation.prompt": f"{own} writes a story about tokens"})
    if together is not None:
        await asyncio.wait_for(together.wait(), tab.timeout_s)
    await tab.send_click("generation.start")
    if leave_early:
        await asyncio.sleep(0.5)
        await tab.close()
        return
    run = await tab.finish()
    record.latencies.append(run.seconds)
    record.positions = [int(found) for text in run.texts for found in POSITION.findall(text)]
    record.check(run, None)
    if not run.carries(own):
        record.own_missing += 1
    else:
        record.own_seen += 1
