"""Reading exported files back as a user's tool would: CSV with the csv module, XLSX from its sheet XML."""
import csv
import io
import re
import zipfile
from xml.etree import ElementTree

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def csv_rows(data):
    """The rows of a CSV download (bytes), after checking it starts with the UTF-8 BOM."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data):
    """The first sheet's rows as lists of strings (blank cells as ""), and whether its top row is frozen."""
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    root = ElementTree.fromstring(sheet)
    rows = []
    for row in root.iter(f"{SHEET}row"):
        cells = {}
        for cell in row.iter(f"{SHEET}c"):
            column = re.match(r"[A-Z]+", cell.get("r")).group(0)
            assert cell.get("t") == "inlineStr", "every cell is a string, never a formula or number"
            cells[ord(column) - ord("A")] = "".join(t.text or "" for t in cell.iter(f"{SHEET}t"))
        rows.append([cells.get(i, "") for i in range(max(cells) + 1)] if cells else [])
    frozen = root.find(f".//{SHEET}pane")
    return rows, frozen is not None and frozen.get("state") == "frozen" and frozen.get("ySplit") == "1"


def xlsx_text(data):
    """Every part of the workbook unzipped, for searching its bytes."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return b"".join(archive.read(name) for name in archive.namelist())
