"""Tasks the worker tests enqueue (a task must be importable by its module path)."""

from django_tasks import task


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def explode(message: str) -> None:
    raise ValueError(message)
