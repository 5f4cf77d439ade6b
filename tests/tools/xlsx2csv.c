/*
 * Test tool: print every sheet of an .xlsx workbook as tanji reads it
 * (io/xlsx_read.h), one line per row: "SHEET!ROW<TAB>TYPE:TEXT<TAB>...",
 * empty cells as "-".  Used by the CLI tests to read exports back.
 *
 *   xlsx2csv BOOK.xlsx
 */
#include <stdio.h>

#include "io/xlsx_read.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xlsx2csv BOOK.xlsx\n");
        return 1;
    }
    io_xlsx *x;
    tj_error err;
    char msg[1200];
    if (io_xlsx_open(argv[1], NULL, &x, &err)) {
        fprintf(stderr, "xlsx2csv: %s\n", tj_error_format(&err, msg, sizeof msg));
        return 2;
    }
    static const char types[] = "-TNBE";
    int rc = 0;
    for (size_t i = 0; i < io_xlsx_sheet_count(x) && !rc; i++) {
        io_sheet s;
        if (io_xlsx_read_sheet(x, i, &s, &err)) {
            fprintf(stderr, "xlsx2csv: %s\n", tj_error_format(&err, msg, sizeof msg));
            rc = 2;
            break;
        }
        for (size_t r = 0; r < s.n; r++) {
            printf("%s!%ld", s.name, s.rows[r].line);
            for (size_t c = 0; c < s.rows[r].n; c++) {
                const io_cell *cl = &s.rows[r].cells[c];
                if (cl->type == IO_CELL_EMPTY)
                    printf("\t-");
                else
                    printf("\t%c:%s", types[cl->type], cl->text);
            }
            putchar('\n');
        }
        io_sheet_release(&s);
    }
    io_xlsx_close(x);
    return rc;
}
