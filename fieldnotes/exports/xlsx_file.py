"""Notes as an XLSX workbook, written row by row (xlsxwriter's constant_memory) to a temporary file."""
import os
import tempfile

import xlsxwriter

from fieldnotes.exports.csv_file import cells
from fieldnotes.exports.rows import COLUMNS, note_rows

WIDTHS = {"text": 60, "expected": 40, "insights": 40, "tags": 30, "time": 26, "id": 38}


def write_xlsx(scope, audience, path):
    """Write the notes to `path`. Every cell is a string (write_string): nothing in it is a formula."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Notes")
    bold = workbook.add_format({"bold": True})
    for column, (key, heading) in enumerate(COLUMNS):
        sheet.set_column(column, column, WIDTHS.get(key, 18))
        sheet.write_string(0, column, heading, bold)
    sheet.freeze_panes(1, 0)  # the header stays in view while scrolling
    for number, row in enumerate(note_rows(scope, audience), 1):
        for column, value in enumerate(cells(row)):
            sheet.write_string(number, column, value)
    workbook.close()


def xlsx_temp_file(scope, audience):
    """A closed temporary file holding the workbook; the caller deletes it once sent."""
    with tempfile.NamedTemporaryFile(prefix="fieldnotes-export-", suffix=".xlsx", delete=False) as handle:
        path = handle.name
    try:
        write_xlsx(scope, audience, path)
    except BaseException:
        os.unlink(path)  # a workbook that failed half way is no one's to keep
        raise
    return path
