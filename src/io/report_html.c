/* Footprint report as one self-contained HTML file with inline SVG charts.
 * Every string from the input is escaped (it may come from anyone). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/report.h"
#include "tanji/text.h"

#include "io/report_strings.h"

static const char *const palette[] = {"#2e7d52", "#3f8fc4", "#e0a030", "#8e6cc0",
                                      "#c0504d", "#4bacc6", "#9bbb59", "#f79646"};

/* Write the first n bytes of s (up to its NUL) with &, <, >, " and '
 * escaped; control characters dropped. */
static void esc_n(FILE *f, const char *s, size_t n)
{
    for (const char *e = s ? s + n : s; s && s < e && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: {
            /* bidirectional controls are shown as their code, never obeyed */
            unsigned cp;
            size_t k = tj_bidi_control(s, (size_t)(e - s), &cp);
            if (k) {
                fprintf(f, "[U+%04X]", cp);
                s += k - 1;
            } else if (ch >= 0x20 || ch == '\n' || ch == '\t')
                fputc(ch, f);
        }
        }
    }
}

static void esc(FILE *f, const char *s) { esc_n(f, s, s ? strlen(s) : 0); }

/* Escape at most max_chars UTF-8 characters, with an ellipsis if cut. */
static void esc_trunc(FILE *f, const char *s, size_t max_chars)
{
    size_t chars = 0;
    const char *p = s;
    while (*p && chars < max_chars) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        chars++;
    }
    /* whole characters only: the text is cut at a character boundary for
     * display (and says so with an ellipsis), never at a fixed byte count */
    esc_n(f, s, (size_t)(p - s));
    if (*p)
        fputs("…", f);
}

static void svg_bars(FILE *f, const io_block *b)
{
    const double W = 680, LW = 190, VW = 90, BH = 22, GAP = 9;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->values[i] < lo)
            lo = b->values[i];
        if (b->values[i] > hi)
            hi = b->values[i];
    }
    if (hi - lo <= 0)
        hi = lo + 1;
    double aw = W - LW - VW, x0 = LW + aw * (-lo / (hi - lo));
    double H = b->n * (BH + GAP) + 10;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" role=\"img\">", W, H, W,
            H);
    for (size_t i = 0; i < b->n; i++) {
        double y = 5 + i * (BH + GAP), v = b->values[i];
        double x1 = LW + aw * ((v < 0 ? v : 0) - lo) / (hi - lo);
        double w = aw * fabs(v) / (hi - lo);
        fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\" class=\"lbl\">", LW - 8, y + BH * 0.7);
        esc_trunc(f, b->labels[i], 24);
        fprintf(f,
                "</text><rect x=\"%.2f\" y=\"%g\" width=\"%.2f\" height=\"%g\" rx=\"2\" "
                "fill=\"%s\"><title>",
                x1, y, w < 0.5 && v != 0 ? 0.5 : w, BH, palette[i % 8]);
        esc(f, b->labels[i]);
        char nb[64];
        fprintf(f, ": %s ", io_fmt_num(v, nb, sizeof nb));
        esc(f, b->unit);
        fprintf(f, "</title></rect><text x=\"%.2f\" y=\"%g\" class=\"val\">%s</text>",
                (v < 0 ? x0 : x1 + w) + 6, y + BH * 0.7, nb);
    }
    fprintf(f, "<line x1=\"%.2f\" y1=\"0\" x2=\"%.2f\" y2=\"%g\" stroke=\"#555\"/></svg>", x0, x0, H);
}

static void svg_pareto(FILE *f, const io_block *b, int zh)
{
    const double W = 680, H = 300, ML = 64, MR = 52, MT = 16, MB = 40;
    double pw = W - ML - MR, ph = H - MT - MB, sum = 0, hi = 0, lo = 0;
    for (size_t i = 0; i < b->n; i++) {
        sum += b->values[i];
        if (b->values[i] > hi)
            hi = b->values[i];
        if (b->values[i] < lo)
            lo = b->values[i];
    }
    double step;
    io_nice_axis(lo, hi, &lo, &hi, &step);
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" role=\"img\">", W, H, W,
            H);
    /* grid and axes */
    for (double t = lo; t <= hi + step * 0.01; t += step) {
        double y = MT + ph * (hi - t) / (hi - lo);
        char nb[64];
        fprintf(f, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" class=\"grid\"/>", ML, y, ML + pw, y);
        fprintf(f, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\" class=\"ax\">%s</text>", ML - 6, y + 4,
                io_fmt_num(fabs(t) < step * 1e-9 ? 0 : t, nb, sizeof nb));
    }
    for (int k = 0; k <= 4; k++)
        fprintf(f, "<text x=\"%g\" y=\"%.1f\" class=\"ax\">%d%%</text>", ML + pw + 6, MT + ph * k / 4.0 + 4,
                100 - 25 * k);
    double slot = b->n ? pw / b->n : pw, y0 = MT + ph * hi / (hi - lo);
    double cum = 0, px = 0, py = 0;
    for (size_t i = 0; i < b->n; i++) {
        double v = b->values[i];
        double x = ML + slot * i + slot * 0.15, w = slot * 0.7;
        double y = MT + ph * (hi - (v > 0 ? v : 0)) / (hi - lo);
        double h = ph * fabs(v) / (hi - lo);
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>", x, y, w,
                h, b->flags[i] ? "#b0b7bf" : "#2e7d52");
        esc(f, b->labels[i]);
        char nb[64];
        fprintf(f, ": %s ", io_fmt_num(v, nb, sizeof nb));
        esc(f, b->unit);
        fprintf(f,
                "</title></rect><text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\" "
                "class=\"ax\">%s%zu</text>",
                x + w / 2, MT + ph + 16, b->flags[i] ? "+" : "#", b->flags[i] ? b->n - i : i + 1);
        cum += v;
        double cx = x + w / 2, cy = MT + ph * (1 - (sum != 0 ? cum / sum : 0));
        if (i)
            fprintf(f,
                    "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#c0504d\" "
                    "stroke-width=\"2\"/>",
                    px, py, cx, cy);
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#c0504d\"/>", cx, cy);
        px = cx;
        py = cy;
    }
    fprintf(f, "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#555\"/>", ML, y0, ML + pw, y0);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\">", ML, H - 6);
    esc(f, b->unit);
    fprintf(f,
            "</text><text x=\"%g\" y=\"%g\" text-anchor=\"end\" class=\"ax\" "
            "fill=\"#c0504d\">",
            W - 4, H - 6);
    esc(f, io_rs_text(IO_RS_PARETO_CUMULATIVE, zh));
    fputs("</text></svg>", f);
}

static void svg_boundary(FILE *f, const io_block *b)
{
    const double W = 680, BW = 116, GAP = 25, BH = 70, Y = 30;
    double H = 130;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" role=\"img\">", W, H, W,
            H);
    int first = -1, last = -1;
    for (size_t i = 0; i < b->n; i++)
        if (b->flags[i]) {
            if (first < 0)
                first = (int)i;
            last = (int)i;
        }
    if (first >= 0) {
        double x = 4 + first * (BW + GAP) - 4, w = (last - first) * (BW + GAP) + BW + 8;
        fprintf(f,
                "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
                "stroke=\"#2e7d52\" stroke-dasharray=\"6 4\" rx=\"6\"/>",
                x, Y - 14, w, BH + 28);
        fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\" fill=\"#2e7d52\">", x + 6, Y - 18);
        esc(f, b->text);
        fputs("</text>", f);
    }
    for (size_t i = 0; i < b->n; i++) {
        double x = 4 + i * (BW + GAP);
        int in = b->flags[i];
        fprintf(f,
                "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" rx=\"5\" fill=\"%s\" "
                "stroke=\"%s\"%s/>",
                x, Y, BW, BH, in ? "#e3f1e8" : "#f3f3f3", in ? "#2e7d52" : "#aaa",
                in ? "" : " stroke-dasharray=\"4 3\"");
        fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" class=\"lbl\"%s>", x + BW / 2, Y + 28,
                in ? "" : " fill=\"#888\"");
        esc_trunc(f, b->labels[i], 18);
        char nb[64];
        fprintf(f, "</text><text x=\"%g\" y=\"%g\" text-anchor=\"middle\" class=\"val\">%s</text>",
                x + BW / 2, Y + 50, in ? io_fmt_num(b->values[i], nb, sizeof nb) : "—");
        if (i + 1 < b->n)
            fprintf(f, "<path d=\"M%g %g h%g l-6 -5 m6 5 l-6 5\" stroke=\"#555\" fill=\"none\"/>", x + BW + 3,
                    Y + BH / 2, GAP - 6);
    }
    fputs("</svg>", f);
}

static void block_html(FILE *f, const io_block *b, int zh)
{
    switch (b->kind) {
    case IO_BLOCK_PARA:
        fputs("<p>", f);
        esc(f, b->text);
        fputs("</p>\n", f);
        break;
    case IO_BLOCK_NOTE:
        fputs("<p class=\"note\">", f);
        esc(f, b->text);
        fputs("</p>\n", f);
        break;
    case IO_BLOCK_KV:
        fputs("<table class=\"kv\">", f);
        for (size_t y = 0; y < b->nrows; y++) {
            fputs("<tr><th>", f);
            esc(f, b->cells[y * 2]);
            fputs("</th><td>", f);
            esc(f, b->cells[y * 2 + 1]);
            fputs("</td></tr>", f);
        }
        fputs("</table>\n", f);
        break;
    case IO_BLOCK_TABLE:
        fputs("<table class=\"data\">", f);
        for (size_t y = 0; y < b->nrows; y++) {
            fputs(y == 0 ? "<thead><tr>" : "<tr>", f);
            for (size_t x = 0; x < b->ncols; x++) {
                const char *tag = y == 0 ? "th" : "td";
                fprintf(f, "<%s%s>", tag, (b->right_mask >> x) & 1 ? " class=\"num\"" : "");
                esc(f, b->cells[y * b->ncols + x]);
                fprintf(f, "</%s>", tag);
            }
            fputs(y == 0 ? "</tr></thead><tbody>" : "</tr>", f);
        }
        fputs("</tbody></table>\n", f);
        break;
    case IO_BLOCK_BARS:
    case IO_BLOCK_PARETO:
    case IO_BLOCK_BOUNDARY:
        fputs("<figure>", f);
        if (b->kind == IO_BLOCK_BARS)
            svg_bars(f, b);
        else if (b->kind == IO_BLOCK_PARETO)
            svg_pareto(f, b, zh);
        else
            svg_boundary(f, b);
        if (b->text && b->kind != IO_BLOCK_BOUNDARY) {
            fputs("<figcaption>", f);
            esc(f, b->text);
            fputs("</figcaption>", f);
        }
        fputs("</figure>\n", f);
        break;
    }
}

static const char css[] =
    "body{font-family:'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif;color:#222;"
    "max-width:820px;margin:2em auto;padding:0 1.2em;line-height:1.55;font-size:14px}"
    "header{border-bottom:3px solid #2e7d52;padding-bottom:.6em;margin-bottom:1em}"
    "h1{font-size:24px;margin:0;color:#1b4d33}h2{font-size:17px;color:#1b4d33;border-bottom:1px solid "
    "#cfe3d6;padding-bottom:3px;margin-top:1.8em}.sub{font-size:16px;margin:.2em 0}"
    ".total{font-size:22px;font-weight:bold;color:#2e7d52}.example{background:#fff3cd;border:1px "
    "solid #e0b44c;padding:.5em .8em;border-radius:4px}"
    "table{border-collapse:collapse;margin:.6em 0;width:100%}th,td{padding:4px 8px;text-align:left;"
    "vertical-align:top;border-bottom:1px solid #e2e2e2;white-space:pre-line}table.data thead th{background:#eef6f1;"
    "border-bottom:2px solid #2e7d52}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "table.kv th{width:38%;font-weight:normal;color:#555}"
    ".note{background:#f3f8f5;border-left:4px solid #2e7d52;padding:.4em .8em}"
    "figure{margin:.8em 0}figcaption{font-size:12px;color:#555;text-align:center}"
    "svg.chart{max-width:100%;height:auto;font-size:12px}svg .lbl{font-size:12px}"
    "svg .val,svg .ax{font-size:11px;fill:#444}svg .grid{stroke:#e6e6e6}"
    "nav ol{columns:2;font-size:13px}footer{margin-top:2em;font-size:12px;color:#777;border-top:1px "
    "solid #ddd;padding-top:.5em}@media print{nav{display:none}h2{break-after:avoid}"
    "figure,table{break-inside:avoid}}";

tj_status io_report_write_html(const io_report *r, FILE *f, tj_error *err)
{
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"tanji\">\n<title>",
            r->zh ? "zh-CN" : "en");
    esc(f, r->title);
    fputs(" — ", f);
    esc(f, r->subtitle);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
    esc(f, r->title);
    fputs("</h1>\n<p class=\"sub\">", f);
    esc(f, r->subtitle);
    fputs("</p>\n<p class=\"total\">", f);
    esc(f, r->total);
    fputs("</p>\n</header>\n", f);
    if (r->banner) {
        fputs("<p class=\"example\">", f);
        esc(f, r->banner);
        fputs("</p>\n", f);
    }
    fputs("<nav><h2>", f);
    esc(f, io_rs_text(IO_RS_CONTENTS, r->zh));
    fputs("</h2><ol>", f);
    for (size_t i = 0; i < r->n; i++) {
        fputs("<li><a href=\"#", f);
        esc(f, r->sections[i].id);
        fputs("\">", f);
        esc(f, r->sections[i].title);
        fputs("</a></li>", f);
    }
    fputs("</ol></nav>\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const io_section *s = &r->sections[i];
        fputs("<section id=\"", f);
        esc(f, s->id);
        fprintf(f, "\">\n<h2>%zu. ", i + 1);
        esc(f, s->title);
        fputs("</h2>\n", f);
        for (size_t j = 0; j < s->n; j++)
            block_html(f, &s->blocks[j], r->zh);
        fputs("</section>\n", f);
    }
    fputs("<footer>", f);
    esc(f, io_rs_text(IO_RS_GENERATED_BY, r->zh));
    fputc(' ', f);
    esc(f, r->generated);
    fputs("</footer>\n</body>\n</html>\n", f);
    if (fflush(f) || ferror(f))
        return tj_error_set(err, TJ_ERR_IO, NULL, "writing the HTML report failed");
    return TJ_OK;
}
