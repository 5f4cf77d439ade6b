/* Footprint report as PDF: cairo for drawing, pango for text (Noto Sans CJK SC
 * from fonts-noto-cjk), A4, page numbers "page n of N" (two passes: the first
 * counts pages on a surface that writes nowhere). */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/output.h"
#include "io/report.h"
#include "tanji/text.h"

#include "io/report_strings.h"

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN_X 54.0
#define TOP 64.0
#define BOTTOM (PAGE_H - 58.0)
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define FONT "Noto Sans CJK SC"

typedef struct pdf {
    cairo_surface_t *surf;
    cairo_t *cr;
    const io_report *r;
    double y;
    int page;   /* 1-based */
    int npages; /* known in the second pass, 0 in the first */
} pdf;

static const double palette[][3] = {{0.18, 0.49, 0.32}, {0.25, 0.56, 0.77}, {0.88, 0.63, 0.19},
                                    {0.56, 0.42, 0.75}, {0.75, 0.31, 0.30}, {0.29, 0.67, 0.78},
                                    {0.61, 0.73, 0.35}, {0.97, 0.59, 0.27}};
static const double GREEN[3] = {0.18, 0.49, 0.32}, DARK[3] = {0.106, 0.302, 0.2};

static void rgb(cairo_t *cr, const double c[3])
{
    cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

static PangoLayout *lay(pdf *p, const char *text, double size, int bold, double width, int align)
{
    PangoLayout *l = pango_cairo_create_layout(p->cr);
    PangoFontDescription *fd = pango_font_description_from_string(FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    if (align)
        pango_layout_set_alignment(l, align == 1 ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_CENTER);
    /* bidirectional controls are shown as their code, never obeyed */
    int copied = 0;
    char *t = text ? tj_bidi_neutralise(text, &copied) : NULL;
    pango_layout_set_text(l, t ? t : "", -1);
    if (copied)
        free(t);
    return l;
}

static double lay_h(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double lay_w(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)w / PANGO_SCALE;
}

static void draw_lay(pdf *p, PangoLayout *l, double x, double y)
{
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

/* Draw text at (x, y); returns its height. */
static double text_at(pdf *p, const char *s, double x, double y, double size, int bold, double width,
                      int align, const double color[3])
{
    PangoLayout *l = lay(p, s, size, bold, width, align);
    rgb(p->cr, color);
    draw_lay(p, l, x, y);
    double h = lay_h(l);
    g_object_unref(l);
    return h;
}

static const double GREY[3] = {0.45, 0.45, 0.45}, BLACK[3] = {0.13, 0.13, 0.13};

/* A malloc'ed formatted string of any length (texts from the footprint are
 * never cut), or NULL when out of memory (then the caller draws nothing). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

static void footer(pdf *p)
{
    char buf[128]; /* two numbers and a short text from the string table */
    if (p->npages)
        snprintf(buf, sizeof buf, io_rs_text(IO_RS_PAGE_N_OF_M, p->r->zh), p->page, p->npages);
    else
        snprintf(buf, sizeof buf, io_rs_text(IO_RS_PAGE_N, p->r->zh), p->page);
    cairo_set_line_width(p->cr, 0.5);
    cairo_set_source_rgb(p->cr, 0.8, 0.8, 0.8);
    cairo_move_to(p->cr, MARGIN_X, PAGE_H - 44);
    cairo_line_to(p->cr, PAGE_W - MARGIN_X, PAGE_H - 44);
    cairo_stroke(p->cr);
    text_at(p, buf, MARGIN_X, PAGE_H - 38, 8, 0, CONTENT_W, 1, GREY);
    char *left = fmt("%s · tanji", p->r->title);
    if (left)
        text_at(p, left, MARGIN_X, PAGE_H - 38, 8, 0, 0, 0, GREY);
    free(left);
}

static void header(pdf *p)
{
    if (p->page == 1)
        return;
    char *buf = fmt("%s — %s", p->r->title, p->r->subtitle);
    if (buf)
        text_at(p, buf, MARGIN_X, 32, 8, 0, CONTENT_W, 0, GREY);
    free(buf);
    cairo_set_line_width(p->cr, 1);
    rgb(p->cr, GREEN);
    cairo_move_to(p->cr, MARGIN_X, 46);
    cairo_line_to(p->cr, PAGE_W - MARGIN_X, 46);
    cairo_stroke(p->cr);
}

static void new_page(pdf *p)
{
    footer(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = TOP;
    header(p);
}

/* Make room for h points; returns 1 if a new page was started. */
static int need(pdf *p, double h)
{
    if (p->y + h <= BOTTOM || p->y <= TOP + 0.5)
        return 0;
    new_page(p);
    return 1;
}

static void para(pdf *p, const char *s, double size, const double color[3])
{
    PangoLayout *l = lay(p, s, size, 0, CONTENT_W, 0);
    double h = lay_h(l);
    need(p, h);
    rgb(p->cr, color);
    draw_lay(p, l, MARGIN_X, p->y);
    g_object_unref(l);
    p->y += h + 6;
}

static void note(pdf *p, const char *s)
{
    PangoLayout *l = lay(p, s, 9.5, 0, CONTENT_W - 20, 0);
    double h = lay_h(l) + 10;
    need(p, h);
    cairo_set_source_rgb(p->cr, 0.953, 0.973, 0.961);
    cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h);
    cairo_fill(p->cr);
    rgb(p->cr, GREEN);
    cairo_rectangle(p->cr, MARGIN_X, p->y, 3, h);
    cairo_fill(p->cr);
    rgb(p->cr, BLACK);
    draw_lay(p, l, MARGIN_X + 12, p->y + 5);
    g_object_unref(l);
    p->y += h + 8;
}

/* Column widths: natural widths, shrunk to fit (wide columns give way). */
static void col_widths(pdf *p, const io_block *b, double size, double *w)
{
    const double pad = 10;
    double total = 0;
    for (size_t x = 0; x < b->ncols; x++) {
        w[x] = 20;
        for (size_t y = 0; y < b->nrows; y++) {
            PangoLayout *l = lay(p, b->cells[y * b->ncols + x], size, y == 0, 0, 0);
            double lw = lay_w(l) + pad;
            g_object_unref(l);
            if (lw > w[x])
                w[x] = lw;
        }
        total += w[x];
    }
    if (total <= CONTENT_W) {
        /* give the spare width to the text columns (all columns if none) */
        size_t ntext = 0;
        for (size_t x = 0; x < b->ncols; x++)
            ntext += !((b->right_mask >> x) & 1);
        double extra = (CONTENT_W - total) / (ntext ? ntext : b->ncols);
        for (size_t x = 0; x < b->ncols; x++)
            if (!ntext || !((b->right_mask >> x) & 1))
                w[x] += extra;
        return;
    }
    double fair = CONTENT_W / b->ncols, narrow = 0;
    size_t nwide = 0;
    for (size_t x = 0; x < b->ncols; x++) {
        if (w[x] <= fair)
            narrow += w[x];
        else
            nwide++;
    }
    double wide_total = total - narrow, room = CONTENT_W - narrow;
    for (size_t x = 0; x < b->ncols; x++)
        if (w[x] > fair)
            w[x] = w[x] * room / wide_total;
}

static double row_height(pdf *p, const io_block *b, size_t y, const double *w, double size)
{
    double h = 0;
    for (size_t x = 0; x < b->ncols; x++) {
        PangoLayout *l =
            lay(p, b->cells[y * b->ncols + x], size, y == 0 && b->kind == IO_BLOCK_TABLE, w[x] - 10, 0);
        double lh = lay_h(l);
        g_object_unref(l);
        if (lh > h)
            h = lh;
    }
    return h + 7;
}

static void draw_row(pdf *p, const io_block *b, size_t y, const double *w, double size, double h)
{
    int head = b->kind == IO_BLOCK_TABLE && y == 0;
    if (head) {
        cairo_set_source_rgb(p->cr, 0.933, 0.965, 0.945);
        cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h);
        cairo_fill(p->cr);
    }
    double x0 = MARGIN_X;
    for (size_t x = 0; x < b->ncols; x++) {
        int right = b->kind == IO_BLOCK_TABLE && ((b->right_mask >> x) & 1);
        const double *color = (b->kind == IO_BLOCK_KV && x == 0) ? GREY : BLACK;
        PangoLayout *l = lay(p, b->cells[y * b->ncols + x], size, head, w[x] - 10, right);
        rgb(p->cr, color);
        draw_lay(p, l, x0 + 5, p->y + 3.5);
        g_object_unref(l);
        x0 += w[x];
    }
    cairo_set_line_width(p->cr, head ? 1.2 : 0.4);
    if (head)
        rgb(p->cr, GREEN);
    else
        cairo_set_source_rgb(p->cr, 0.85, 0.85, 0.85);
    cairo_move_to(p->cr, MARGIN_X, p->y + h);
    cairo_line_to(p->cr, MARGIN_X + CONTENT_W, p->y + h);
    cairo_stroke(p->cr);
}

static void table(pdf *p, const io_block *b)
{
    double size = 8.5;
    double *w = calloc(b->ncols ? b->ncols : 1, sizeof *w);
    if (!w)
        return;
    if (b->kind == IO_BLOCK_KV) {
        w[0] = CONTENT_W * 0.32;
        w[1] = CONTENT_W * 0.68;
        size = 9;
    } else
        col_widths(p, b, size, w);
    double hh = b->kind == IO_BLOCK_TABLE ? row_height(p, b, 0, w, size) : 0;
    for (size_t y = 0; y < b->nrows; y++) {
        double h = row_height(p, b, y, w, size);
        int is_head = b->kind == IO_BLOCK_TABLE && y == 0;
        if (need(p, is_head ? h + row_height(p, b, b->nrows > 1 ? 1 : 0, w, size) : h) &&
            b->kind == IO_BLOCK_TABLE && y > 0) {
            draw_row(p, b, 0, w, size, hh); /* repeat the header */
            p->y += hh;
        }
        draw_row(p, b, y, w, size, h);
        p->y += h;
    }
    p->y += 10;
    free(w);
}

static void caption(pdf *p, const char *s)
{
    if (!s)
        return;
    p->y += text_at(p, s, MARGIN_X, p->y, 8.5, 0, CONTENT_W, -1, GREY) + 8;
}

static void chart_bars(pdf *p, const io_block *b)
{
    const double LW = 130, VW = 70, BH = 16, GAP = 7;
    double H = b->n * (BH + GAP) + 6;
    need(p, H + 20);
    double lo = 0, hi = 0;
    for (size_t i = 0; i < b->n; i++) {
        lo = fmin(lo, b->values[i]);
        hi = fmax(hi, b->values[i]);
    }
    if (hi - lo <= 0)
        hi = lo + 1;
    double aw = CONTENT_W - LW - VW, x0 = MARGIN_X + LW + aw * (-lo / (hi - lo));
    for (size_t i = 0; i < b->n; i++) {
        double y = p->y + 3 + i * (BH + GAP), v = b->values[i];
        double x1 = MARGIN_X + LW + aw * (fmin(v, 0) - lo) / (hi - lo), w = aw * fabs(v) / (hi - lo);
        PangoLayout *l = lay(p, b->labels[i], 8.5, 0, LW - 8, 1);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        rgb(p->cr, BLACK);
        draw_lay(p, l, MARGIN_X, y + (BH - lay_h(l)) / 2);
        g_object_unref(l);
        rgb(p->cr, palette[i % 8]);
        cairo_rectangle(p->cr, x1, y, fmax(w, v != 0 ? 0.5 : 0), BH);
        cairo_fill(p->cr);
        char nb[64];
        io_fmt_num(v, nb, sizeof nb);
        text_at(p, nb, (v < 0 ? x0 : x1 + w) + 4, y + 2, 8, 0, 0, 0, GREY);
    }
    cairo_set_source_rgb(p->cr, 0.33, 0.33, 0.33);
    cairo_set_line_width(p->cr, 0.8);
    cairo_move_to(p->cr, x0, p->y);
    cairo_line_to(p->cr, x0, p->y + H);
    cairo_stroke(p->cr);
    p->y += H + 4;
    caption(p, b->text);
}

static void chart_pareto(pdf *p, const io_block *b)
{
    const double H = 210, ML = 52, MR = 40, MT = 8, MB = 22;
    need(p, H + 24);
    double pw = CONTENT_W - ML - MR, ph = H - MT - MB, sum = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < b->n; i++) {
        sum += b->values[i];
        lo = fmin(lo, b->values[i]);
        hi = fmax(hi, b->values[i]);
    }
    double step;
    io_nice_axis(lo, hi, &lo, &hi, &step);
    double X = MARGIN_X + ML, Y = p->y + MT;
    cairo_set_line_width(p->cr, 0.4);
    for (double t = lo; t <= hi + step * 0.01; t += step) {
        double y = Y + ph * (hi - t) / (hi - lo);
        cairo_set_source_rgb(p->cr, 0.9, 0.9, 0.9);
        cairo_move_to(p->cr, X, y);
        cairo_line_to(p->cr, X + pw, y);
        cairo_stroke(p->cr);
        char nb[64];
        io_fmt_num(fabs(t) < step * 1e-9 ? 0 : t, nb, sizeof nb);
        text_at(p, nb, MARGIN_X, y - 5, 7.5, 0, ML - 6, 1, GREY);
    }
    for (int k = 0; k <= 4; k++) {
        char pc[16];
        snprintf(pc, sizeof pc, "%d%%", 100 - 25 * k);
        text_at(p, pc, X + pw + 5, Y + ph * k / 4.0 - 5, 7.5, 0, 0, 0, GREY);
    }
    double slot = b->n ? pw / b->n : pw, y0 = Y + ph * hi / (hi - lo), cum = 0;
    for (size_t i = 0; i < b->n; i++) {
        double v = b->values[i], x = X + slot * i + slot * 0.15, w = slot * 0.7;
        double top = Y + ph * (hi - fmax(v, 0)) / (hi - lo);
        if (b->flags[i])
            cairo_set_source_rgb(p->cr, 0.69, 0.72, 0.75);
        else
            rgb(p->cr, GREEN);
        cairo_rectangle(p->cr, x, top, w, ph * fabs(v) / (hi - lo));
        cairo_fill(p->cr);
        char lbl[32];
        if (b->flags[i])
            snprintf(lbl, sizeof lbl, "+");
        else
            snprintf(lbl, sizeof lbl, "#%zu", i + 1);
        text_at(p, lbl, x - 6, Y + ph + 4, 7.5, 0, w + 12, 2, GREY);
    }
    cairo_set_source_rgb(p->cr, 0.33, 0.33, 0.33);
    cairo_set_line_width(p->cr, 0.8);
    cairo_move_to(p->cr, X, y0);
    cairo_line_to(p->cr, X + pw, y0);
    cairo_stroke(p->cr);
    cairo_set_source_rgb(p->cr, 0.75, 0.31, 0.30);
    cairo_set_line_width(p->cr, 1.6);
    for (size_t i = 0; i < b->n; i++) {
        cum += b->values[i];
        double cx = X + slot * i + slot / 2, cy = Y + ph * (1 - (sum != 0 ? cum / sum : 0));
        if (i)
            cairo_line_to(p->cr, cx, cy);
        else
            cairo_move_to(p->cr, cx, cy);
    }
    cairo_stroke(p->cr);
    cum = 0;
    for (size_t i = 0; i < b->n; i++) {
        cum += b->values[i];
        double cx = X + slot * i + slot / 2, cy = Y + ph * (1 - (sum != 0 ? cum / sum : 0));
        cairo_arc(p->cr, cx, cy, 2.2, 0, 2 * M_PI);
        cairo_fill(p->cr);
    }
    p->y += H + 2;
    caption(p, b->text);
}

static void chart_boundary(pdf *p, const io_block *b)
{
    const double GAP = 16, BH = 52, H = 100;
    double BW = (CONTENT_W - 8 - GAP * (b->n - 1)) / (b->n ? b->n : 1);
    need(p, H + 8);
    double Y = p->y + 22;
    int first = -1, last = -1;
    for (size_t i = 0; i < b->n; i++)
        if (b->flags[i]) {
            if (first < 0)
                first = (int)i;
            last = (int)i;
        }
    if (first >= 0) {
        double x = MARGIN_X + first * (BW + GAP), w = (last - first) * (BW + GAP) + BW + 8;
        static const double dash[] = {5, 3};
        cairo_set_dash(p->cr, dash, 2, 0);
        rgb(p->cr, GREEN);
        cairo_set_line_width(p->cr, 1);
        cairo_rectangle(p->cr, x, Y - 12, w, BH + 24);
        cairo_stroke(p->cr);
        cairo_set_dash(p->cr, NULL, 0, 0);
        text_at(p, b->text, x + 4, Y - 24, 7.5, 0, 0, 0, GREEN);
    }
    for (size_t i = 0; i < b->n; i++) {
        double x = MARGIN_X + 4 + i * (BW + GAP);
        int in = b->flags[i];
        if (in)
            cairo_set_source_rgb(p->cr, 0.89, 0.945, 0.91);
        else
            cairo_set_source_rgb(p->cr, 0.955, 0.955, 0.955);
        cairo_rectangle(p->cr, x, Y, BW, BH);
        cairo_fill_preserve(p->cr);
        static const double dash[] = {3, 2};
        if (!in)
            cairo_set_dash(p->cr, dash, 2, 0);
        if (in)
            rgb(p->cr, GREEN);
        else
            cairo_set_source_rgb(p->cr, 0.67, 0.67, 0.67);
        cairo_set_line_width(p->cr, 1);
        cairo_stroke(p->cr);
        cairo_set_dash(p->cr, NULL, 0, 0);
        const double *col = in ? BLACK : GREY;
        PangoLayout *l = lay(p, b->labels[i], 8, in, BW - 6, 2);
        rgb(p->cr, col);
        double lh = lay_h(l);
        draw_lay(p, l, x + 3, Y + 6);
        g_object_unref(l);
        char nb[64];
        text_at(p, in ? io_fmt_num(b->values[i], nb, sizeof nb) : "—", x + 3, Y + 10 + lh, 8, 0, BW - 6, 2,
                in ? GREEN : GREY);
        if (i + 1 < b->n) {
            double ax = x + BW + 2, ay = Y + BH / 2;
            cairo_set_source_rgb(p->cr, 0.33, 0.33, 0.33);
            cairo_move_to(p->cr, ax, ay);
            cairo_line_to(p->cr, ax + GAP - 4, ay);
            cairo_move_to(p->cr, ax + GAP - 8, ay - 3);
            cairo_line_to(p->cr, ax + GAP - 4, ay);
            cairo_line_to(p->cr, ax + GAP - 8, ay + 3);
            cairo_stroke(p->cr);
        }
    }
    p->y += H;
}

/* Height to keep together with a preceding paragraph. */
static double keep_height(const io_block *b)
{
    switch (b->kind) {
    case IO_BLOCK_BARS: return b->n * 23.0 + 30;
    case IO_BLOCK_PARETO: return 236;
    case IO_BLOCK_BOUNDARY: return 108;
    case IO_BLOCK_TABLE:
    case IO_BLOCK_KV: return 50;
    default: return 20;
    }
}

static void render(pdf *p)
{
    const io_report *r = p->r;
    p->page = 1;
    /* title block */
    rgb(p->cr, GREEN);
    cairo_rectangle(p->cr, 0, 0, PAGE_W, 8);
    cairo_fill(p->cr);
    p->y = 52;
    p->y += text_at(p, r->title, MARGIN_X, p->y, 22, 1, CONTENT_W, 0, DARK) + 6;
    p->y += text_at(p, r->subtitle, MARGIN_X, p->y, 13, 0, CONTENT_W, 0, BLACK) + 10;
    /* total box */
    {
        const char *lbl = io_rs_text(IO_RS_CARBON_FOOTPRINT, r->zh);
        PangoLayout *l = lay(p, r->total, 20, 1, 0, 0);
        double h = lay_h(l) + 26;
        cairo_set_source_rgb(p->cr, 0.933, 0.965, 0.945);
        cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h);
        cairo_fill(p->cr);
        text_at(p, lbl, MARGIN_X + 12, p->y + 6, 8.5, 0, 0, 0, GREY);
        rgb(p->cr, GREEN);
        draw_lay(p, l, MARGIN_X + 12, p->y + 20);
        g_object_unref(l);
        p->y += h + 10;
    }
    if (r->banner) {
        const char *ex = r->banner;
        PangoLayout *l = lay(p, ex, 9, 1, CONTENT_W - 16, 0);
        double h = lay_h(l) + 10;
        cairo_set_source_rgb(p->cr, 1, 0.953, 0.804);
        cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0.55, 0.4, 0.05);
        draw_lay(p, l, MARGIN_X + 8, p->y + 5);
        g_object_unref(l);
        p->y += h + 10;
    }
    for (size_t i = 0; i < r->n; i++) {
        const io_section *s = &r->sections[i];
        char *title = fmt("%zu  %s", i + 1, s->title);
        PangoLayout *l = lay(p, title ? title : s->title, 13, 1, CONTENT_W, 0);
        free(title);
        double h = lay_h(l);
        /* keep a heading with what follows */
        double keep = 40;
        if (s->n && s->blocks[0].kind == IO_BLOCK_PARA) {
            PangoLayout *pl = lay(p, s->blocks[0].text, 9.5, 0, CONTENT_W, 0);
            keep = lay_h(pl) + 6 + (s->n > 1 ? keep_height(&s->blocks[1]) : 0);
            g_object_unref(pl);
        } else if (s->n)
            keep = keep_height(&s->blocks[0]);
        need(p, h + 17 + keep);
        p->y += 8;
        rgb(p->cr, DARK);
        draw_lay(p, l, MARGIN_X, p->y);
        g_object_unref(l);
        p->y += h + 2;
        cairo_set_line_width(p->cr, 0.6);
        cairo_set_source_rgb(p->cr, 0.81, 0.89, 0.84);
        cairo_move_to(p->cr, MARGIN_X, p->y);
        cairo_line_to(p->cr, MARGIN_X + CONTENT_W, p->y);
        cairo_stroke(p->cr);
        p->y += 7;
        for (size_t j = 0; j < s->n; j++) {
            const io_block *b = &s->blocks[j];
            switch (b->kind) {
            case IO_BLOCK_PARA:
                if (j + 1 < s->n) {
                    PangoLayout *pl = lay(p, b->text, 9.5, 0, CONTENT_W, 0);
                    need(p, lay_h(pl) + 6 + keep_height(&s->blocks[j + 1]));
                    g_object_unref(pl);
                }
                para(p, b->text, 9.5, BLACK);
                break;
            case IO_BLOCK_NOTE: note(p, b->text); break;
            case IO_BLOCK_KV:
            case IO_BLOCK_TABLE: table(p, b); break;
            case IO_BLOCK_BARS: chart_bars(p, b); break;
            case IO_BLOCK_PARETO: chart_pareto(p, b); break;
            case IO_BLOCK_BOUNDARY: chart_boundary(p, b); break;
            }
        }
        p->y += 6;
    }
    char *gen = fmt(io_rs_text(IO_RS_GENERATED_BY_AT, r->zh), r->generated);
    if (gen)
        para(p, gen, 8, GREY);
    free(gen);
    footer(p);
    cairo_show_page(p->cr);
}

static cairo_status_t write_nowhere(void *closure, const unsigned char *data, unsigned int length)
{
    (void)closure;
    (void)data;
    (void)length;
    return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

tj_status io_report_write_pdf(const io_report *r, const char *path, tj_error *err)
{
    pdf p = {0};
    p.r = r;
    /* pass 1: count pages */
    p.surf = cairo_pdf_surface_create_for_stream(write_nowhere, NULL, PAGE_W, PAGE_H);
    p.cr = cairo_create(p.surf);
    render(&p);
    int npages = p.page;
    cairo_destroy(p.cr);
    cairo_surface_finish(p.surf);
    cairo_surface_destroy(p.surf);
    /* pass 2 */
    memset(&p, 0, sizeof p);
    p.r = r;
    p.npages = npages;
    /* written under a temporary name, renamed when complete (io/output) */
    io_out *o;
    tj_status ost = io_out_open(path, &o, err);
    if (ost)
        return ost;
    p.surf = cairo_pdf_surface_create_for_stream(write_file, io_out_file(o), PAGE_W, PAGE_H);
    if (cairo_surface_status(p.surf)) {
        tj_status st = tj_error_set(err, TJ_ERR_IO, NULL, "cannot create %s: %s", path,
                                    cairo_status_to_string(cairo_surface_status(p.surf)));
        cairo_surface_destroy(p.surf);
        io_out_abort(o);
        return st;
    }
    char *meta = fmt("%s — %s", r->title, r->subtitle);
    cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE, meta ? meta : r->title);
    free(meta);
    cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "tanji");
    p.cr = cairo_create(p.surf);
    render(&p);
    cairo_status_t cs = cairo_status(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_finish(p.surf);
    if (!cs)
        cs = cairo_surface_status(p.surf);
    cairo_surface_destroy(p.surf);
    if (cs) {
        io_out_abort(o);
        return tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "writing the PDF failed: %s", cairo_status_to_string(cs));
    }
    return io_out_commit(o, err);
}
