from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}" if self.field else f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    dry_run: bool = False
    written: bool = False
    errors: list[RowError] = field(default_factory=list)

    def fail(self, line: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(line, field_name, message))

    def readable(self, records, bad_lines: set[int], progress=None):
        """(line, record) for each record the reader could parse; a record it could not is
        reported here and its line marked bad, so importers read only the records that parsed."""
        for line, record, problem in records:
            if progress is not None:
                progress.update(1)
            if problem is not None:
                self.fail(line, "", problem)
                bad_lines.add(line)
                continue
            yield line, record

    def summary(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"
        if not self.written:
            text += " (dry run: nothing written)" if self.dry_run else " (nothing written)"
        return text
