"""md, txt and csv: UTF-8 text."""

from __future__ import annotations

import csv
import io
from typing import IO

from studio.artifacts.writers.common import Meta, format_cell
from studio.generation.schemas import CsvContent, TextContent


def write_text(stream: IO[bytes], content: TextContent, _meta: Meta) -> None:
    text = content.text if content.text.endswith("\n") else content.text + "\n"
    stream.write(text.encode("utf-8", errors="replace"))


def write_csv(stream: IO[bytes], content: CsvContent, _meta: Meta) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    writer = csv.writer(text)
    writer.writerow(content.columns)
    writer.writerows([format_cell(value) for value in row] for row in content.rows)
    text.flush()
    text.detach()  # leave the binary stream open for _atomic_write
