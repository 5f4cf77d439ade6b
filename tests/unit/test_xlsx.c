/* Unit tests for io/xlsx_read (workbooks written by libxlsxwriter and crafted
 * zips: values, shared and inline strings, cell order, errors located as
 * sheet!cell, and archives that must be refused: too many entries, inflated
 * size and ratio, a bad CRC, malformed XML, DOCTYPE), for io/table_write
 * (CSV formula neutralisation, .xlsx round trip, no partial output) and for
 * services/activity reading a workbook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "io/sheet.h"
#include "io/table_write.h"
#include "io/xlsx_read.h"
#include "services/activity.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tanji-test-xlsx-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p[600];
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static const char *tpath(const char *name)
{
    static char p[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

/* Files in tmpdir whose name starts with prefix. */
static int count_files(const char *prefix)
{
    int n = 0;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return n;
}

/* ---- crafted packages ------------------------------------------------------ */

static const char *const CT = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
                              "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
static const char *const RELS =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"xl/workbook.xml\"/></Relationships>";
static const char *const WB =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"bom\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char *const WBRELS =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
    "Target=\"/xl/sharedStrings.xml\"/></Relationships>";
static const char *const SST =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\" uniqueCount=\"3\">"
    "<si><t>物料</t></si><si><t>数量</t></si>"
    "<si><r><t>单</t></r><r><t xml:space=\"preserve\">位 </t></r><rPh><t>たん</t></rPh></si></sst>";

static const char *sheet_xml(const char *rows)
{
    static char buf[1 << 16];
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
             "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
             "<sheetData>%s</sheetData></worksheet>",
             rows);
    return buf;
}

typedef struct part {
    const char *name;
    const char *data;
    size_t len; /* 0: strlen */
    int store;  /* not compressed */
} part;

/* Write a zip of the parts (the standard workbook parts unless replaced or
 * suppressed by a part of the same name with data NULL). */
static const char *make_zip(const char *name, const part *extra, size_t nextra)
{
    const char *path = tpath(name);
    int ze;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    part std[] = {{"[Content_Types].xml", CT, 0, 0},
                  {"_rels/.rels", RELS, 0, 0},
                  {"xl/workbook.xml", WB, 0, 0},
                  {"xl/_rels/workbook.xml.rels", WBRELS, 0, 0},
                  {"xl/sharedStrings.xml", SST, 0, 0}};
    for (size_t i = 0; i < sizeof std / sizeof *std + nextra; i++) {
        const part *p = i < sizeof std / sizeof *std ? &std[i] : &extra[i - sizeof std / sizeof *std];
        int replaced = 0;
        if (i < sizeof std / sizeof *std)
            for (size_t k = 0; k < nextra; k++)
                replaced |= !strcmp(extra[k].name, p->name);
        if (replaced || !p->data)
            continue;
        size_t len = p->len ? p->len : strlen(p->data);
        zip_source_t *s = zip_source_buffer(z, p->data, len, 0);
        assert_non_null(s);
        zip_int64_t idx = zip_file_add(z, p->name, s, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        if (p->store)
            assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
    }
    assert_int_equal(zip_close(z), 0);
    return path;
}

static tj_status read_first(const char *path, const io_xlsx_limits *lim, io_sheet *s, tj_error *err)
{
    io_xlsx *x = NULL;
    tj_status st = io_xlsx_open(path, lim, &x, err);
    if (st)
        return st;
    st = io_xlsx_sheet_count(x) ? io_xlsx_read_sheet(x, 0, s, err) : TJ_ERR_NOTFOUND;
    io_xlsx_close(x);
    return st;
}

/* ---- reading -------------------------------------------------------------------- */

static void test_libxlsxwriter_values(void **state)
{
    (void)state;
    const char *path = tpath("values.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *notes = workbook_add_worksheet(wb, "说明");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "BOM");
    worksheet_write_string(notes, 0, 0, "hello", NULL);
    worksheet_write_string(ws, 0, 0, "物料", NULL);
    worksheet_write_string(ws, 0, 1, "数量", NULL);
    worksheet_write_string(ws, 0, 2, "单位", NULL);
    worksheet_write_string(ws, 1, 0, "  氧化铝\xE3\x80\x80", NULL); /* trimmed */
    worksheet_write_number(ws, 1, 1, 0.1, NULL);
    worksheet_write_string(ws, 1, 2, "t", NULL);
    worksheet_write_string(ws, 2, 0, "物料", NULL); /* the same shared string again */
    worksheet_write_number(ws, 2, 1, 1.5e-7, NULL);
    worksheet_write_boolean(ws, 2, 3, 1, NULL);
    worksheet_write_formula_num(ws, 3, 1, "=1+1", NULL, 2);
    worksheet_write_string(ws, 5, 4, "=cmd|' /C calc'!A0", NULL); /* text, never a formula */
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    io_xlsx *x;
    tj_error err;
    assert_int_equal(io_xlsx_open(path, NULL, &x, &err), TJ_OK);
    assert_int_equal(io_xlsx_sheet_count(x), 2);
    assert_string_equal(io_xlsx_sheet_name(x, 1), "BOM");
    assert_int_equal(io_xlsx_find_sheet(x, "bom"), 1);
    assert_int_equal(io_xlsx_find_sheet(x, "说明"), 0);
    assert_int_equal(io_xlsx_find_sheet(x, "energy"), -1);
    io_sheet s;
    assert_int_equal(io_xlsx_read_sheet(x, 1, &s, &err), TJ_OK);
    io_xlsx_close(x);
    assert_string_equal(s.name, "BOM");
    assert_int_equal(s.n, 5); /* row 5 is empty and left out */
    assert_int_equal(s.rows[0].line, 1);
    assert_string_equal(io_sheet_text(&s, 0, 1), "数量");
    assert_string_equal(io_sheet_text(&s, 1, 0), "氧化铝");
    assert_int_equal(io_sheet_type(&s, 1, 0), IO_CELL_TEXT);
    assert_string_equal(io_sheet_text(&s, 1, 1), "0.1"); /* exact text as stored */
    assert_int_equal(io_sheet_type(&s, 1, 1), IO_CELL_NUMBER);
    assert_string_equal(io_sheet_text(&s, 2, 0), "物料");
    assert_string_equal(io_sheet_text(&s, 2, 1), "1.5E-07"); /* libxlsxwriter's %.16G */
    assert_string_equal(io_sheet_text(&s, 2, 2), "");
    assert_int_equal(io_sheet_type(&s, 2, 2), IO_CELL_EMPTY);
    assert_string_equal(io_sheet_text(&s, 2, 3), "TRUE");
    assert_int_equal(io_sheet_type(&s, 2, 3), IO_CELL_BOOL);
    assert_string_equal(io_sheet_text(&s, 3, 1), "2"); /* a formula counts by its saved value */
    assert_int_equal(s.rows[4].line, 6);
    assert_string_equal(io_sheet_text(&s, 4, 4), "=cmd|' /C calc'!A0");
    assert_string_equal(io_sheet_text(&s, 4, 99), "");
    char ref[64];
    io_sheet_ref(&s, 4, 4, ref, sizeof ref);
    assert_string_equal(ref, "BOM!E6");
    io_sheet_release(&s);
}

static void test_crafted_order_and_strings(void **state)
{
    (void)state;
    part p[] = {{"xl/worksheets/sheet1.xml",
                 sheet_xml("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
                           "<c r=\"C1\" t=\"s\"><v>2</v></c></row>"
                           "<row r=\"4\"><c r=\"C4\"><v>3</v></c>"
                           "<c r=\"A4\" t=\"inlineStr\"><is><r><t>a</t></r><r><t>_x0041_b</t></r>"
                           "<rPh><t>x</t></rPh></is></c></row>"
                           "<row r=\"2\"><c><v>1</v></c><c t=\"str\"><f>A1</f><v>text</v></c>"
                           "<c t=\"e\"><v>#DIV/0!</v></c><c s=\"3\"/></row>"
                           "<row><c r=\"AB3\" t=\"b\"><v>0</v></c></row>"),
                 0, 0}};
    io_sheet s;
    tj_error err;
    assert_int_equal(read_first(make_zip("order.xlsx", p, 1), NULL, &s, &err), TJ_OK);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.rows[0].line, 1);
    assert_string_equal(io_sheet_text(&s, 0, 0), "物料");
    assert_string_equal(io_sheet_text(&s, 0, 2), "单位"); /* runs joined, trimmed, rPh left out */
    assert_int_equal(s.rows[1].line, 2);
    assert_string_equal(io_sheet_text(&s, 1, 0), "1");
    assert_string_equal(io_sheet_text(&s, 1, 1), "text");
    assert_string_equal(io_sheet_text(&s, 1, 2), "#DIV/0!");
    assert_int_equal(io_sheet_type(&s, 1, 2), IO_CELL_ERROR);
    assert_int_equal(s.rows[1].n, 3); /* the styled empty D2 is no cell */
    assert_int_equal(s.rows[2].line, 3);
    assert_int_equal(s.rows[2].n, 28);
    assert_string_equal(io_sheet_text(&s, 2, 27), "FALSE");
    assert_int_equal(s.rows[3].line, 4);
    assert_string_equal(io_sheet_text(&s, 3, 0), "aAb");
    assert_string_equal(io_sheet_text(&s, 3, 1), "");
    assert_string_equal(io_sheet_text(&s, 3, 2), "3");
    io_sheet_release(&s);
}

static void expect_sheet_error(const char *name, const char *rows, const char *path_has, const char *msg_has)
{
    part p[] = {{"xl/worksheets/sheet1.xml", sheet_xml(rows), 0, 0}};
    io_sheet s;
    tj_error err;
    tj_error_clear(&err);
    tj_status st = read_first(make_zip(name, p, 1), NULL, &s, &err);
    if (st == TJ_OK)
        io_sheet_release(&s);
    assert_int_equal(st, TJ_ERR_INPUT);
    if (!strstr(err.path, path_has) || !strstr(err.message, msg_has))
        fail_msg("%s: got path \"%s\" message \"%s\"", name, err.path, err.message);
    assert_non_null(strstr(err.file, name));
}

static void test_cell_errors(void **state)
{
    (void)state;
    expect_sheet_error("dup.xlsx", "<row r=\"2\"><c r=\"B2\"><v>1</v></c><c r=\"B2\"><v>2</v></c></row>",
                       "bom!B2", "given twice");
    expect_sheet_error("sst.xlsx", "<row r=\"3\"><c r=\"C3\" t=\"s\"><v>7</v></c></row>", "bom!C3",
                       "shared string index");
    expect_sheet_error("formula.xlsx", "<row r=\"5\"><c r=\"D5\"><f>1+1</f></c></row>", "bom!D5", "formula");
    expect_sheet_error("bool.xlsx", "<row r=\"1\"><c r=\"A1\" t=\"b\"><v>2</v></c></row>", "bom!A1",
                       "boolean");
    expect_sheet_error("num.xlsx", "<row r=\"1\"><c r=\"A1\"><v>0x1p4</v></c></row>", "bom!A1",
                       "not a number");
    expect_sheet_error("ref.xlsx", "<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>", "bom!",
                       "invalid cell reference");
    expect_sheet_error("inrow.xlsx", "<row r=\"1\"><c r=\"A2\"><v>1</v></c></row>", "bom!A1",
                       "referenced as A2 is inside row 1");
    expect_sheet_error("nul.xlsx",
                       "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a_x0000_b</t></is></c></row>",
                       "bom!A1", "NUL");
    expect_sheet_error("type.xlsx", "<row r=\"1\"><c r=\"A1\" t=\"zz\"><v>1</v></c></row>", "bom!A1",
                       "unknown cell type");
    expect_sheet_error("rows.xlsx",
                       "<row r=\"2\"><c><v>1</v></c></row><row r=\"2\"><c r=\"B2\"><v>1</v></c></row>",
                       "bom!2:2", "given twice");
    expect_sheet_error("bad.xlsx", "<row r=\"1\"><c r=\"A1\"><v>1</v></row>",
                       "xl/worksheets/sheet1.xml:1:", "not well-formed");
}

static void test_cell_too_long(void **state)
{
    (void)state;
    size_t n = 200;
    char *rows = malloc(n + 128);
    int k = snprintf(rows, n + 128, "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>");
    memset(rows + k, 'x', n);
    strcpy(rows + k + n, "</t></is></c></row>");
    part p[] = {{"xl/worksheets/sheet1.xml", sheet_xml(rows), 0, 0}};
    free(rows);
    io_xlsx_limits lim = {.sheet = {.max_cell_bytes = 100}};
    io_sheet s;
    tj_error err;
    assert_int_equal(read_first(make_zip("long.xlsx", p, 1), &lim, &s, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "bom!A1");
    assert_non_null(strstr(err.message, "at most 100"));
    lim.sheet.max_cell_bytes = 200;
    assert_int_equal(read_first(make_zip("long.xlsx", p, 1), &lim, &s, &err), TJ_OK);
    assert_int_equal(s.rows[0].cells[0].len, 200);
    io_sheet_release(&s);
    /* a cell far to the right counts all the gap cells */
    part q[] = {{"xl/worksheets/sheet1.xml",
                 sheet_xml("<row r=\"1\"><c r=\"XFD1\"><v>1</v></c></row>"
                           "<row r=\"2\"><c r=\"XFD2\"><v>1</v></c></row>"),
                 0, 0}};
    io_xlsx_limits lim2 = {.sheet = {.max_cells = 20000}};
    assert_int_equal(read_first(make_zip("wide.xlsx", q, 1), &lim2, &s, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "bom!XFD2");
    assert_non_null(strstr(err.message, "more than 20000 cells"));
}

/* ---- hostile archives --------------------------------------------------------------- */

static void test_too_many_entries(void **state)
{
    (void)state;
    enum { N = 10050 };
    part *p = calloc(N + 1, sizeof *p);
    static char names[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "junk/%d", i);
        p[i] = (part){names[i], "x", 1, 1};
    }
    p[N] = (part){"xl/worksheets/sheet1.xml", sheet_xml(""), 0, 0};
    io_sheet s;
    tj_error err;
    assert_int_equal(read_first(make_zip("entries.xlsx", p, N + 1), NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "entries; at most 10000"));
    free(p);
}

static void test_inflated_size_and_ratio(void **state)
{
    (void)state;
    /* 8 MiB of white space between two rows deflates about 1000:1 */
    size_t n = (size_t)8 << 20;
    char *big = malloc(n + 256);
    int k = snprintf(big, 256,
                     "<?xml version=\"1.0\"?><worksheet "
                     "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
    memset(big + k, ' ', n);
    strcpy(big + k + n, "</sheetData></worksheet>");
    part p[] = {{"xl/worksheets/sheet1.xml", big, 0, 0}};
    const char *path = make_zip("bomb.xlsx", p, 1);
    io_sheet s;
    tj_error err;
    assert_int_equal(read_first(path, NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "zip bomb"));
    /* with the ratio allowed, the part size cap still holds */
    io_xlsx_limits lim = {.max_ratio = 100000, .max_part_bytes = (size_t)4 << 20};
    assert_int_equal(read_first(path, &lim, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "at most 4194304") ? err.message
                                                           : strstr(err.message, "more than 4194304"));
    /* and the workbook total */
    io_xlsx_limits lim2 = {.max_ratio = 100000, .max_total_bytes = (size_t)2 << 20};
    assert_int_equal(read_first(path, &lim2, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "the workbook inflates to more than"));
    /* allowed: it reads (an empty sheet) */
    io_xlsx_limits lim3 = {.max_ratio = 100000};
    assert_int_equal(read_first(path, &lim3, &s, &err), TJ_OK);
    assert_int_equal(s.n, 0);
    io_sheet_release(&s);
    free(big);
}

static void test_bad_crc(void **state)
{
    (void)state;
    part p[] = {
        {"xl/worksheets/sheet1.xml", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1.5</v></c></row>"), 0, 1}};
    const char *path = make_zip("crc.xlsx", p, 1);
    io_sheet s;
    tj_error err;
    assert_int_equal(read_first(path, NULL, &s, &err), TJ_OK);
    assert_string_equal(io_sheet_text(&s, 0, 0), "1.5");
    io_sheet_release(&s);
    /* flip 1.5 into 9.5 in the stored data: the CRC no longer matches */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data, f);
    char *hit = memmem(data, n, "<v>1.5</v>", 10);
    assert_non_null(hit);
    hit[3] = '9';
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    assert_int_equal(read_first(path, NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "damaged"));
    assert_non_null(strstr(err.message, "CRC"));
}

static void test_malformed_packages(void **state)
{
    (void)state;
    io_sheet s;
    tj_error err;
    /* billion laughs: any DOCTYPE is refused */
    part dt[] = {
        {"xl/worksheets/sheet1.xml",
         "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
         "\"&lol;&lol;&lol;&lol;\">]><worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&lol2;</t></is>"
         "</c></row></sheetData></worksheet>",
         0, 0}};
    assert_int_equal(read_first(make_zip("doctype.xlsx", dt, 1), NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "DOCTYPE"));
    /* no workbook relationships */
    part norels[] = {{"xl/_rels/workbook.xml.rels", NULL, 0, 0},
                     {"xl/worksheets/sheet1.xml", sheet_xml(""), 0, 0}};
    assert_int_equal(read_first(make_zip("norels.xlsx", norels, 2), NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "no part xl/_rels/workbook.xml.rels"));
    /* a target climbing out of the package */
    part climb[] = {
        {"xl/_rels/workbook.xml.rels",
         "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
         "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"../../etc/passwd\"/></Relationships>",
         0, 0}};
    assert_int_equal(read_first(make_zip("climb.xlsx", climb, 1), NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "invalid target"));
    /* a sheet whose relationship is missing */
    part norel[] = {
        {"xl/workbook.xml",
         "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
         "<sheets><sheet name=\"x\" r:id=\"rId9\"/></sheets></workbook>",
         0, 0},
        {"xl/worksheets/sheet1.xml", sheet_xml(""), 0, 0}};
    assert_int_equal(read_first(make_zip("norel.xlsx", norel, 2), NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "rId9"));
    /* not a zip at all */
    FILE *f = fopen(tpath("text.xlsx"), "w");
    fputs("物料,数量\n", f);
    fclose(f);
    assert_int_equal(read_first(tpath("text.xlsx"), NULL, &s, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "cannot open as an .xlsx"));
    /* truncated archive */
    part ok[] = {{"xl/worksheets/sheet1.xml", sheet_xml("<row><c><v>1</v></c></row>"), 0, 0}};
    const char *path = make_zip("trunc.xlsx", ok, 1);
    struct stat sb;
    stat(path, &sb);
    assert_int_equal(truncate(path, sb.st_size - 30), 0);
    assert_int_equal(read_first(path, NULL, &s, &err), TJ_ERR_INPUT);
}

/* ---- writing ------------------------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_table_csv(void **state)
{
    (void)state;
    io_table *t;
    tj_error err;
    const char *path = tpath("t.csv");
    assert_int_equal(io_table_open(path, IO_TABLE_CSV, NULL, &t, &err), TJ_OK);
    const char *cells[] = {"=cmd|' /C calc'!A0", "+1",  "-2", "@SUM(A1)", "\tx", "\rx", "a,b",
                           "say \"hi\"",         "电力"};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        assert_int_equal(io_table_text(t, cells[i]), TJ_OK);
    assert_int_equal(io_table_end_row(t), TJ_OK);
    assert_int_equal(io_table_number(t, -1.5, 10), TJ_OK);
    assert_int_equal(io_table_number_text(t, "-0.25"), TJ_OK);
    assert_int_equal(io_table_number_text(t, "-x"), TJ_OK); /* not a number: text, neutralised */
    assert_int_equal(io_table_empty(t), TJ_OK);
    assert_int_equal(io_table_text(t, NULL), TJ_OK);
    assert_int_equal(io_table_end_row(t), TJ_OK);
    assert_int_equal(count_files("t.csv"), 1); /* only the temporary file so far */
    assert_null(slurp(path));
    assert_int_equal(io_table_close(t, &err), TJ_OK);
    assert_string_equal(slurp(path),
                        "\"'=cmd|' /C calc'!A0\",\"'+1\",\"'-2\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\","
                        "\"a,b\",\"say \"\"hi\"\"\",电力\n"
                        "-1.5,-0.25,\"'-x\",,\n");
    assert_int_equal(count_files("t.csv"), 1);
    assert_int_equal(io_csv_formula_leading("=1"), 1);
    assert_int_equal(io_csv_formula_leading("1="), 0);
}

static void test_table_failure_leaves_nothing(void **state)
{
    (void)state;
    io_table *t;
    tj_error err;
    const char *path = tpath("fail.xlsx");
    /* a target that exists stays as it was */
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    assert_int_equal(io_table_open(path, IO_TABLE_XLSX, "t", &t, &err), TJ_OK);
    assert_int_equal(io_table_text(t, "ok"), TJ_OK);
    assert_int_equal(io_table_text(t, "bad \xff"), TJ_ERR_INPUT);
    assert_int_equal(io_table_text(t, "later"), TJ_ERR_INPUT); /* sticky */
    assert_int_equal(io_table_close(t, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "row 1, column 2"));
    assert_string_equal(slurp(path), "old");
    assert_int_equal(count_files("fail.xlsx"), 1); /* no temporary file left */
    /* a cell too long for .xlsx is refused, never cut */
    char *big = malloc(40000);
    memset(big, 'x', 39999);
    big[39999] = 0;
    assert_int_equal(io_table_open(tpath("big.xlsx"), IO_TABLE_XLSX, NULL, &t, &err), TJ_OK);
    assert_int_equal(io_table_text(t, big), TJ_ERR_INPUT);
    io_table_abort(t);
    free(big);
    assert_int_equal(count_files("big.xlsx"), 0);
    /* a folder that does not exist */
    assert_int_equal(io_table_open(tpath("no/such/t.csv"), IO_TABLE_CSV, NULL, &t, &err), TJ_ERR_IO);
    assert_int_equal(io_table_open(NULL, IO_TABLE_XLSX, NULL, &t, &err), TJ_ERR_USAGE);
    /* /dev/full: the write fails at close and is reported */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        assert_int_equal(io_table_open_stream(full, "/dev/full", &t, &err), TJ_OK);
        for (int i = 0; i < 10000; i++)
            io_table_text(t, "some text");
        assert_int_equal(io_table_close(t, &err), TJ_ERR_IO);
        assert_string_equal(err.file, "/dev/full");
        fclose(full);
    }
}

static void test_table_xlsx_round_trip(void **state)
{
    (void)state;
    io_table *t;
    tj_error err;
    const char *path = tpath("rt.xlsx");
    assert_int_equal(io_table_open(path, IO_TABLE_XLSX, "products", &t, &err), TJ_OK);
    io_table_text(t, "name");
    io_table_text(t, "total");
    io_table_end_row(t);
    io_table_text(t, "=cmd|' /C calc'!A0");
    io_table_number(t, 1234.5678, 10);
    io_table_number_text(t, "0.5703");
    io_table_end_row(t);
    io_table_text(t, "电解铝");
    io_table_empty(t);
    io_table_number(t, -2e-9, 10);
    io_table_end_row(t);
    assert_int_equal(io_table_close(t, &err), TJ_OK);
    io_sheet s;
    assert_int_equal(read_first(path, NULL, &s, &err), TJ_OK);
    assert_string_equal(s.name, "products");
    assert_int_equal(s.n, 3);
    assert_string_equal(io_sheet_text(&s, 1, 0), "=cmd|' /C calc'!A0"); /* a string cell, kept as is */
    assert_int_equal(io_sheet_type(&s, 1, 0), IO_CELL_TEXT);
    assert_string_equal(io_sheet_text(&s, 1, 1), "1234.5678");
    assert_int_equal(io_sheet_type(&s, 1, 1), IO_CELL_NUMBER);
    assert_string_equal(io_sheet_text(&s, 1, 2), "0.5703");
    assert_string_equal(io_sheet_text(&s, 2, 0), "电解铝");
    assert_string_equal(io_sheet_text(&s, 2, 1), "");
    assert_string_equal(io_sheet_text(&s, 2, 2), "-2E-09");
    io_sheet_release(&s);
}

/* ---- activity from a workbook --------------------------------------------------------- */

static void test_activity_workbook(void **state)
{
    (void)state;
    const char *path = tpath("ledger.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "物料清单");
    lxw_worksheet *fs = workbook_add_worksheet(wb, "factors");
    const char *hdr[] = {"物料", "数量", "单位"};
    for (int i = 0; i < 3; i++)
        worksheet_write_string(ws, 0, (lxw_col_t)i, hdr[i], NULL);
    worksheet_write_string(ws, 1, 0, "氧化铝", NULL);
    worksheet_write_number(ws, 1, 1, 1.9, NULL);
    worksheet_write_string(ws, 1, 2, "t", NULL);
    worksheet_write_string(ws, 11, 0, "神秘材料", NULL);
    worksheet_write_string(ws, 11, 1, "3 kg", NULL);
    worksheet_write_string(ws, 11, 2, "kg", NULL);
    const char *fh[] = {"id", "name_zh", "value", "unit", "source"};
    for (int i = 0; i < 5; i++)
        worksheet_write_string(fs, 0, (lxw_col_t)i, fh[i], NULL);
    worksheet_write_string(fs, 1, 0, "f-alumina", NULL);
    worksheet_write_string(fs, 1, 1, "氧化铝", NULL);
    worksheet_write_number(fs, 1, 2, 2.5, NULL);
    worksheet_write_string(fs, 1, 3, "t", NULL);
    worksheet_write_string(fs, 1, 4, "test source", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    svc_activity_options o = {0};
    o.product_en = "aluminium";
    o.unit = "t";
    o.amount = 1;
    o.workbook = path;
    svc_activity_result res;
    tj_error err;
    tj_error_clear(&err);
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "物料清单!B12");
    assert_non_null(strstr(err.message, "amount \"3 kg\""));
    char buf[1200];
    assert_non_null(strstr(tj_error_format(&err, buf, sizeof buf), "ledger.xlsx: 物料清单!B12: amount"));
    /* the same sheet through --bom (a workbook given for one kind) with a fixed cell */
    lxw_workbook *wb2 = workbook_new(tpath("bom-only.xlsx"));
    lxw_worksheet *w2 = workbook_add_worksheet(wb2, "Sheet1");
    for (int i = 0; i < 3; i++)
        worksheet_write_string(w2, 0, (lxw_col_t)i, hdr[i], NULL);
    worksheet_write_string(w2, 1, 0, "氧化铝", NULL);
    worksheet_write_number(w2, 1, 1, 1.9, NULL);
    worksheet_write_string(w2, 1, 2, "t", NULL);
    worksheet_write_string(w2, 4, 0, "神秘材料", NULL);
    worksheet_write_number(w2, 4, 1, 3, NULL);
    worksheet_write_string(w2, 4, 2, "kg", NULL);
    assert_int_equal(workbook_close(wb2), LXW_NO_ERROR);
    svc_activity_options o2 = o;
    o2.workbook = NULL;
    o2.sheets[SVC_SHEET_BOM] = tpath("bom-only.xlsx");
    o2.factors_csv = path; /* its factors sheet */
    assert_int_equal(svc_activity_to_model(NULL, &o2, &res, &err), TJ_OK);
    assert_int_equal(res.lines, 2);
    assert_int_equal(res.by_query, 1);
    assert_int_equal(res.n_unmatched, 1);
    assert_string_equal(res.unmatched[0].cell, "Sheet1!A5");
    assert_int_equal(res.unmatched[0].line, 5);
    json_t *f = json_array_get(json_object_get(res.model, "factors"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "id")), "f-alumina");
    assert_true(json_real_value(json_object_get(f, "value")) == 2.5);
    svc_activity_result_release(&res);
    /* a workbook with no sheet of any kind */
    svc_activity_options o3 = o;
    o3.workbook = tpath("bom-only.xlsx");
    assert_int_equal(svc_activity_to_model(NULL, &o3, &res, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "no sheet named bom"));
    o3.sheet_names[SVC_SHEET_BOM] = "sheet1";
    o3.factors_csv = path;
    assert_int_equal(svc_activity_to_model(NULL, &o3, &res, &err), TJ_OK);
    assert_int_equal(res.n_sheets_ignored, 0);
    svc_activity_result_release(&res);
    o3.sheet_names[SVC_SHEET_ENERGY] = "能源";
    assert_int_equal(svc_activity_to_model(NULL, &o3, &res, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "no sheet named \"能源\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libxlsxwriter_values),
        cmocka_unit_test(test_crafted_order_and_strings),
        cmocka_unit_test(test_cell_errors),
        cmocka_unit_test(test_cell_too_long),
        cmocka_unit_test(test_too_many_entries),
        cmocka_unit_test(test_inflated_size_and_ratio),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_malformed_packages),
        cmocka_unit_test(test_table_csv),
        cmocka_unit_test(test_table_failure_leaves_nothing),
        cmocka_unit_test(test_table_xlsx_round_trip),
        cmocka_unit_test(test_activity_workbook),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
