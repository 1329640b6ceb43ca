"""The schema pass of :func:`~cpas.adapters.xml.checking.check_file` beside the rules pass.

For a big batch, a second process (:class:`SchemaPass`); for a small one, a
thread (:class:`SchemaThread`).

``python -m cpas.adapters.xml.schemapass PATH NAME [MAX_ERRORS]`` validates the
file with :func:`~cpas.adapters.xml.stream.validate` and writes the pickled
:class:`~cpas.adapters.xml.stream.ValidationResult` on its standard output
(exit status 0), or the error on its standard error (exit status 1). Only the
parent process that started it reads that output: a pickle is never read from
anywhere else.

A plain child process rather than :mod:`multiprocessing`: a ``spawn`` child
imports the caller's main module again, which breaks scripts written without
an ``if __name__ == "__main__"`` guard, and a ``fork`` child copies a process
that may be running threads. This one imports only the validator.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading

from lxml import etree

from .parser import safe_parser
from .stream import ValidationResult, validate

__all__ = ["SchemaPass", "SchemaThread", "valid_whole"]


class SchemaPass:
    """A schema pass running beside the caller: start it, do other work, then
    :meth:`result`. When the child cannot run or gives no answer, :meth:`result`
    validates in this process instead (same result, later)."""

    def __init__(self, path: str, *, name: str, max_errors: int | None) -> None:
        self.path = path
        self.name = name
        self.max_errors = max_errors
        # -P: the current folder (a drop folder, say) is not put on the child's module
        # path, so nothing found there is imported; the user's site and PYTHONPATH are
        # kept, as for the caller.
        command = [sys.executable or "", "-P", "-m", __name__, path, name]
        if max_errors is not None:
            command.append(str(max_errors))
        self._child: subprocess.Popen[bytes] | None
        try:
            self._child = subprocess.Popen(command, stdin=subprocess.DEVNULL,  # noqa: S603
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except (OSError, ValueError):  # no interpreter to start (embedded Python)
            self._child = None

    def result(self) -> ValidationResult:
        """The validation result (waits for the child)."""
        child, self._child = self._child, None
        if child is not None:
            try:
                out, _ = child.communicate()
            except BaseException:  # interrupted while waiting: the child goes too
                child.kill()
                child.communicate()
                raise
            if child.returncode == 0:
                try:
                    answer = pickle.loads(out)  # noqa: S301 - our own child's answer
                except Exception:  # pragma: no cover - a cut answer: validate here
                    answer = None
                if isinstance(answer, ValidationResult):
                    return answer
        return validate(self.path, max_errors=self.max_errors, name=self.name)

    def stop(self) -> None:
        """End the child if it still runs (when the caller gives up early)."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.communicate()


def valid_whole(source: str | bytes, schema: etree.XMLSchema) -> bool:
    """Whether libxml2 finds the document valid, parsed whole with the hardened parser's
    options: the cheapest verdict for a file small enough to hold as a tree. Meant for
    files whose head the scanner of :mod:`.scan` found plain (no DOCTYPE); the limits
    on texts are the scanner's to enforce. False for anything it cannot parse."""
    try:
        if isinstance(source, bytes):
            tree = etree.fromstring(source, safe_parser()).getroottree()
        else:
            tree = etree.parse(source, safe_parser())
        return bool(schema.validate(tree))
    except Exception:  # not well-formed, unreadable: the located pass will say why
        return False


class SchemaThread:
    """A schema pass in a thread, for a batch file small enough to be parsed whole.

    libxml2 parses a file named by its path, and validates the tree, without
    holding the GIL: the pass runs beside the caller's Python work. It is meant
    for files whose head the scanner has found plain (so there is no DOCTYPE)
    and parses with the hardened parser's options; the limits on texts are
    the scanner's to enforce (see :mod:`.scan`). Only a *valid* verdict is kept:
    for an invalid or unreadable file :meth:`result` runs
    :func:`~cpas.adapters.xml.stream.validate`, whose located findings are the
    answer, as if no thread had run.
    """

    def __init__(self, path: str, schema: etree.XMLSchema, *, name: str,
                 schema_name: str, max_errors: int | None) -> None:
        self.path = path
        self.name = name
        self.max_errors = max_errors
        self.schema_name = schema_name
        self._valid = False

        def work() -> None:
            self._valid = valid_whole(path, schema)

        self._thread = threading.Thread(target=work, name="cpas-schema-pass", daemon=True)
        self._thread.start()

    def result(self, *, trusted: bool = True) -> ValidationResult:
        """The validation result (waits for the thread). With ``trusted`` False (the
        caller could not vouch for the file's texts), the file is validated again."""
        self._thread.join()
        if self._valid and trusted:
            return ValidationResult(self.name, (), schema=self.schema_name)
        return validate(self.path, max_errors=self.max_errors, name=self.name)


def main(argv: list[str]) -> int:
    """Entry point of the child process."""
    path, name = argv[0], argv[1]
    max_errors = int(argv[2]) if len(argv) > 2 else None
    try:
        result = validate(path, max_errors=max_errors, name=name)
    except OSError as exc:  # the parent validates again and reports it
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 1
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
