"""A CSV cut into blocks for the import's workers reads exactly as the streamed reader reads it:
the same records, the same row numbers, wherever the cuts fall (quoted line ends, doubled and
stray quotes, CR LF and CR, GB18030, a quote left open at the end)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core import uploads
from fangkong.core.sheets import SheetError, read_sheet
from fangkong.core.sheets.columns import REGISTER
from fangkong.registry.importing import csvblocks

PIECES = ["a", "张", ",", ";", '"', '""', "\n", "\r\n", "\r", " ", "x", "\x00", "长长长长"]


def _layout(delimiter: str, doublequote: bool, encoding: str, block_bytes: int):
    reader = {
        "delimiter": delimiter,
        "quotechar": '"',
        "doublequote": doublequote,
        "escapechar": None,
        "skipinitialspace": False,
        "quoting": csv.QUOTE_MINIMAL,
        "strict": False,
    }
    return csvblocks.CsvLayout(
        encoding=encoding,
        reader=reader,
        quoted=csvblocks._quoted_pattern(delimiter, doublequote),
        data_start=0,
        header_records=0,
        block_bytes=block_bytes,
    )


def _streamed(text: str, layout) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), **layout.reader)
    return list(enumerate(uploads.bounded_rows(reader), start=1))


def _in_blocks(data: bytes, layout) -> list[tuple[int, list[str]]]:
    rows = []
    for block in csvblocks.blocks(io.BytesIO(data), layout):
        rows += csvblocks.block_rows(block, layout)
    return rows


def _typed(rows):
    """Cells with their type: a cell the guard replaced reads as "" but is a RejectedCell."""
    return [(n, [(type(c).__name__, c) for c in cells]) for n, cells in rows]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=60),
    block_bytes=st.integers(1, 12),
    doublequote=st.booleans(),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
    limits=st.sampled_from([(1_200_000, 100, 1000), (4, 3, 3)]),
)
def test_blocks_read_as_the_streamed_reader(
    pieces, block_bytes, doublequote, delimiter, encoding, limits
):
    text = "".join(pieces)
    layout = _layout(delimiter, doublequote, encoding, block_bytes)
    data = text.encode(encoding)
    rows, columns, chars = limits  # the upload guard's limits, small ones too
    with override_settings(
        FANGKONG_SHEET_MAX_ROWS=rows,
        FANGKONG_SHEET_MAX_COLUMNS=columns,
        FANGKONG_SHEET_MAX_CELL_CHARS=chars,
    ):
        try:
            expected = _streamed(text, layout)
        except SheetError as error:  # the same file error, the same row
            with pytest.raises(SheetError) as raised:
                _in_blocks(data, layout)
            assert str(raised.value) == str(error)
            return
        assert _typed(_in_blocks(data, layout)) == _typed(expected)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_layout_starts_after_the_header_and_keeps_row_numbers(encoding, tmp_path):
    lines = [
        "人口登记表,,",
        "",
        '姓名,"身份证\n号码",家庭住址',
        '张三,110101199003078515,"前进村\r\n1组"',
        "李四,110101199003078515,前进村2组",
        "",
        '王五,"1101",前进村""3组""',
    ]
    path = tmp_path / "a.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    sheet = read_sheet(path, "a.csv", aliases=REGISTER, row_filter=lambda cells: "")
    streamed = list(sheet.rows)
    sheet = read_sheet(path, "a.csv", aliases=REGISTER, row_filter=lambda cells: "")
    layout = csvblocks.layout_for(sheet, path, rows_per_block=1)
    assert layout is not None
    got = [
        row
        for block in csvblocks.blocks(path, layout)
        for row in csvblocks.block_rows(block, layout)
    ]
    assert got == streamed
    assert [n for n, _cells in got] == [4, 5, 6, 7]


def test_utf16_and_cr_only_files_are_read_as_before(tmp_path):
    text = "姓名,身份证号码\r张三,110101199003078515\r"
    for encoding, name in (("utf-16", "a.csv"), ("utf-8", "b.csv")):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        sheet = read_sheet(path, name, aliases=REGISTER)
        assert csvblocks.layout_for(sheet, path, rows_per_block=100) is None


def test_a_bad_encoding_part_way_is_the_readers_error():
    layout = _layout(",", True, "utf-8", 4)
    data = "张三,1\n李四,2\n".encode() + b"\xff\xfe,3\n"
    with pytest.raises(SheetError, match="编码"):
        _in_blocks(data, layout)
