"""Notes as CSV: UTF-8 with a BOM (so Excel opens it as such), RFC 4180, formula injection made inert."""
import csv
import io

from fieldnotes.exports.rows import COLUMNS, note_rows

BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP "CSV Injection"):
# a leading apostrophe makes it text, shown as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


def inert(value):
    """The cell as text a spreadsheet will not run."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cells(row):
    """A row's values in COLUMNS order, lists joined with "; ", every one made inert: CSV and XLSX share this."""
    def flat(key):
        value = row[key]
        if key == "media":
            value = [m["file"] for m in value]
        return LIST_SEPARATOR.join(value) if isinstance(value, list) else value
    return [inert(flat(key)) for key, _ in COLUMNS]


def csv_chunks(scope, audience, rows_per_chunk=500):
    """Yield the CSV as UTF-8 byte chunks: the BOM and header first, then a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends; the csv module quotes as it asks
    buffer.write(BOM)
    writer.writerow([heading for _, heading in COLUMNS])
    yield drain(buffer)  # the download starts at once, before the first query returns
    for count, row in enumerate(note_rows(scope, audience), 1):
        writer.writerow(cells(row))
        if count % rows_per_chunk == 0:
            yield drain(buffer)
    yield drain(buffer)


def drain(buffer):
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
