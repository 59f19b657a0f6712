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

    def summary(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed"
        if not self.written:
            text += " (dry run: nothing written)" if self.dry_run else " (nothing written)"
        return text
