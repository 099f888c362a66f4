"""Download progress for a terminal: a live bar on a TTY, a line every 10% in a log or a pipe."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from ganlab.stylegan3.hub.fetch import Progress


def human_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} B"


def describe(p: Progress) -> str:
    """'12.3 MB of 283.0 MB (4%) · 5.1 MB/s · 52 s left' (the same words as the tab)."""
    text = human_bytes(p.done) + (f" of {human_bytes(p.total)} ({p.done / p.total:.0%})" if p.total else "")
    if p.rate_bps:
        text += f" · {human_bytes(p.rate_bps)}/s"
    if p.eta_s is not None:
        text += f" · {p.eta_s:,.0f} s left"
    return text


class TerminalProgress:
    """Callable for `install(on_progress=...)`; `close()` ends the bar."""

    def __init__(self, label: str, stream: TextIO | None = None):
        self.label, self.stream = label, stream or sys.stderr
        self.tty = self.stream.isatty()
        self.bar = None
        self.last_tenth = -1
        self.phase = ""

    def __call__(self, p: Progress) -> None:
        if p.phase == "checking" and self.phase != "checking":
            self.close()  # the bar ends at 100%; checking time must not dilute its rate
            self._note("checking the file with the safe loader (nothing in it is run)…")
        elif p.phase == "retrying" and self.phase != "retrying":
            self._note("connection lost; resuming…")
        self.phase = p.phase
        if p.phase != "downloading":
            return
        if self.tty:
            self._bar(p)
        elif p.total:
            tenth = int(10 * p.done / p.total)
            if tenth > self.last_tenth:
                self.last_tenth = tenth
                print(f"{self.label}: {describe(p)}", file=self.stream, flush=True)

    def _bar(self, p: Progress) -> None:
        from tqdm import tqdm

        if self.bar is None:
            # A terminal that reports 0 columns (a fresh pty, some IDE consoles) would get an empty bar.
            width = shutil.get_terminal_size().columns or 80
            self.bar = tqdm(total=p.total, initial=0, unit="B", unit_scale=True, unit_divisor=1000,
                            desc=self.label, file=self.stream, ncols=min(width, 120))
        if p.total and self.bar.total != p.total:
            self.bar.total = p.total
        self.bar.update(p.done - self.bar.n)

    def _note(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
