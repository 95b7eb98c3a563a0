"""Child process that parses one workbook under a memory and CPU limit (see ``core.uploads``).

Run as ``python -m fangkong.core.sheet_child PATH MEMORY_BYTES CPU_SECONDS MAX_ROWS MAX_COLUMNS``;
writes pickled ``(kind, payload)`` messages to stdout: ``rows`` batches, then ``end``, or one
``error``. It imports no Django: the limits are set before the parser is even loaded.
"""

from __future__ import annotations

import pickle
import resource
import sys
from typing import Any

BATCH = 2000


def _send(out: Any, kind: str, payload: Any) -> None:
    pickle.dump((kind, payload), out, protocol=pickle.HIGHEST_PROTOCOL)


def main(argv: list[str]) -> int:
    path, memory, cpu, max_rows, max_columns = argv[0], *map(int, argv[1:5])
    probe = len(argv) > 5 and argv[5] == "probe"
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    out = sys.stdout.buffer
    from python_calamine import CalamineWorkbook

    if probe:  # every sheet loaded (as the server's reader will), nothing sent back
        try:
            workbook = CalamineWorkbook.from_path(path)
            for name in workbook.sheet_names:
                try:
                    loaded = workbook.get_sheet_by_name(name)
                except MemoryError:
                    return 3
                except Exception:  # noqa: BLE001, S112 - a chart sheet: the reader skips it too
                    continue
                if loaded.width > max_columns:
                    _send(
                        out,
                        "error",
                        {"code": "columns", "value": loaded.width, "limit": max_columns},
                    )
                    return 0
                if loaded.height > max_rows:
                    _send(out, "error", {"code": "rows", "value": loaded.height, "limit": max_rows})
                    return 0
                del loaded
        except MemoryError:
            return 3
        except Exception as error:
            _send(out, "error", {"code": "unreadable", "detail": str(error)[:200]})
            return 0
        _send(out, "end", None)
        out.flush()
        return 0
    try:
        sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    except MemoryError:
        return 3
    except Exception as error:
        _send(out, "error", {"code": "unreadable", "detail": str(error)[:200]})
        return 0
    if sheet.width > max_columns:
        _send(out, "error", {"code": "columns", "value": sheet.width, "limit": max_columns})
        return 0
    if sheet.height > max_rows:
        _send(out, "error", {"code": "rows", "value": sheet.height, "limit": max_rows})
        return 0
    batch: list[list[Any]] = []
    for row in sheet.iter_rows():
        batch.append(row)
        if len(batch) >= BATCH:
            _send(out, "rows", batch)
            batch = []
    if batch:
        _send(out, "rows", batch)
    _send(out, "end", None)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
