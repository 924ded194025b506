"""The installed PySide6 keeps Python's reference counts straight across signal emits.

PySide6 6.12.0's ``Signal.emit()`` returns ``True`` without the reference it owes:
after enough emits the interpreter aborts at exit (``bool_dealloc``), which in the
app means a crash on quit and in the suite a lost run. Checked in a child process,
because a broken build aborts the process it runs in.
"""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import sys
from PySide6 import QtCore

app = QtCore.QCoreApplication([])

class Source(QtCore.QObject):
    plain = QtCore.Signal()
    carrying = QtCore.Signal(object)

source = Source()
received = []
source.carrying.connect(received.append)
before = sys.getrefcount(True)
for _ in range(1000):
    source.plain.emit()
    source.carrying.emit(1)
print(sys.getrefcount(True) - before, len(received))
"""


def test_signal_emit_keeps_reference_counts() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-500:]
    delta, received = done.stdout.split()
    assert int(received) == 1000
    assert int(delta) == 0, f"emit() leaked {delta} references to True (PySide6 6.12.0 bug)"
