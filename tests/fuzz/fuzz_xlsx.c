/* libFuzzer driver: .xlsx workbooks (zip + XML) read by io/xlsx_read, every
 * sheet, with small limits so that bombs are cut short quickly.  The corpus
 * (tests/fuzz/corpus/xlsx) holds small workbooks written by libxlsxwriter. */
#include <stddef.h>
#include <stdint.h>

#include "io/xlsx_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    io_xlsx_limits lim = {.max_part_bytes = 4 << 20, .max_total_bytes = 8 << 20, .max_entries = 200};
    lim.sheet.max_cells = 100000;
    io_xlsx *x = NULL;
    tj_error err;
    if (io_xlsx_open_mem("fuzz.xlsx", data, size, &lim, &x, &err) != TJ_OK)
        return 0;
    for (size_t i = 0; i < io_xlsx_sheet_count(x); i++) {
        io_sheet s;
        if (io_xlsx_read_sheet(x, i, &s, &err) == TJ_OK) {
            for (size_t r = 0; r < s.n; r++)
                for (size_t c = 0; c < s.rows[r].n; c++)
                    (void)io_sheet_text(&s, r, (long)c);
            io_sheet_release(&s);
        }
    }
    io_xlsx_close(x);
    return 0;
}
