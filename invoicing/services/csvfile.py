"""CSV files for spreadsheets and accounting software: UTF-8 with a byte order mark (so accents read right),
`;` between fields (what Belgian spreadsheets expect), `.` as the decimal mark, CRLF line ends."""

import csv
import io


def write_csv(header: list[str], rows) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()
