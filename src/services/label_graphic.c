/* The label graphic: SVG text and PNG (cairo + pango), with a QR code of
 * the verification URL (libqrencode); see label.h. */
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/inst_util.h"
#include "services/label.h"

#define W 360.0
#define H 200.0
#define GREEN "#1b7a3d"

typedef struct gtext {
    char value[48], unit[96], product[400], grade[64], number[96], validity[96];
    const char *url;
} gtext;

static void value_text(double v, char *out, size_t n)
{
    double a = v < 0 ? -v : v;
    snprintf(out, n, a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.4g", v);
}

static tj_status texts(const json_t *label, gtext *t, tj_error *err)
{
    memset(t, 0, sizeof *t);
    const char *number = inst_str(label, "number"), *url = inst_str(label, "verify_url");
    json_t *prod = json_object_get(label, "product"), *du = json_object_get(label, "declared_unit");
    if (!number || !url || !json_is_number(json_object_get(label, "value")))
        return tj_error_set(err, TJ_ERR_INPUT, "label",
                            "not a label's signed content (number, value, verify_url)");
    const char *pname = inst_str(prod, "name") ? inst_str(prod, "name") : inst_str(prod, "zh");
    if (strlen(pname ? pname : "") > 300 || strlen(number) > 80 || strlen(url) > 1000)
        return tj_error_set(err, TJ_ERR_INPUT, "label", "a label text is too long for the graphic");
    value_text(json_number_value(json_object_get(label, "value")), t->value, sizeof t->value);
    snprintf(t->unit, sizeof t->unit, "kg CO2e / %g %s", json_number_value(json_object_get(du, "amount")),
             inst_str(du, "unit") ? inst_str(du, "unit") : "");
    snprintf(t->product, sizeof t->product, "%s", pname ? pname : "");
    json_t *g = json_object_get(json_object_get(label, "grade"), "grade");
    json_t *gs = json_object_get(json_object_get(label, "grade"), "grades");
    if (json_is_integer(g))
        snprintf(t->grade, sizeof t->grade, "等级 Grade %lld/%lld", (long long)json_integer_value(g),
                 (long long)json_integer_value(gs));
    snprintf(t->number, sizeof t->number, "%s", number);
    const char *until = inst_str(label, "valid_until");
    snprintf(t->validity, sizeof t->validity, "有效期至 Valid until %.10s", until ? until : "?");
    t->url = url;
    return TJ_OK;
}

static void xml_esc(FILE *o, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '&': fputs("&amp;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
}

static QRcode *qr(const char *url, tj_error *err)
{
    QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        tj_error_set(err, TJ_ERR_INPUT, "verify_url", "the verification URL does not fit a QR code");
    return q;
}

tj_status svc_label_svg(const json_t *label, char **svg, tj_error *err)
{
    *svg = NULL;
    gtext t;
    tj_status rc = texts(label, &t, err);
    if (rc)
        return rc;
    QRcode *q = qr(t.url, err);
    if (!q)
        return TJ_ERR_INPUT;
    size_t len = 0;
    FILE *o = open_memstream(svg, &len);
    if (!o) {
        QRcode_free(q);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    fprintf(o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %g %g\" width=\"%gmm\" height=\"%gmm\" "
            "font-family=\"Noto Sans CJK SC, sans-serif\">\n",
            W, H, W / 4, H / 4);
    fprintf(o,
            "<rect x=\"2\" y=\"2\" width=\"%g\" height=\"%g\" rx=\"14\" fill=\"#fff\" stroke=\"" GREEN
            "\" stroke-width=\"4\"/>\n",
            W - 4, H - 4);
    fprintf(o, "<text x=\"16\" y=\"30\" font-size=\"15\" fill=\"" GREEN
               "\" font-weight=\"bold\">碳足迹标识 Carbon "
               "Footprint Label</text>\n");
    fprintf(o, "<text x=\"16\" y=\"86\" font-size=\"46\" font-weight=\"bold\" fill=\"#111\">");
    xml_esc(o, t.value);
    fprintf(o, "</text>\n<text x=\"16\" y=\"106\" font-size=\"13\" fill=\"#111\">");
    xml_esc(o, t.unit);
    fprintf(o, "</text>\n<text x=\"16\" y=\"128\" font-size=\"13\" fill=\"#111\">");
    xml_esc(o, t.product);
    fprintf(o, "</text>\n");
    if (t.grade[0]) {
        fprintf(o, "<text x=\"16\" y=\"148\" font-size=\"13\" fill=\"" GREEN "\" font-weight=\"bold\">");
        xml_esc(o, t.grade);
        fprintf(o, "</text>\n");
    }
    fprintf(o, "<text x=\"16\" y=\"170\" font-size=\"11\" fill=\"#333\">");
    xml_esc(o, t.number);
    fprintf(o, "</text>\n<text x=\"16\" y=\"186\" font-size=\"11\" fill=\"#333\">");
    xml_esc(o, t.validity);
    fprintf(o, "</text>\n");
    /* QR: 4-module quiet zone inside a 120-unit square at the right */
    double side = 120.0, m = side / (q->width + 8), x0 = W - side - 14, y0 = (H - side) / 2 + 8;
    fprintf(o,
            "<g transform=\"translate(%g %g)\"><rect width=\"%g\" height=\"%g\" fill=\"#fff\"/>\n<path "
            "fill=\"#000\" d=\"",
            x0, y0, side, side);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->data[y * q->width + x] & 1)
                fprintf(o, "M%.3f %.3fh%.3fv%.3fh-%.3fz", (x + 4) * m, (y + 4) * m, m, m, m);
    fprintf(o, "\"/></g>\n<title>");
    xml_esc(o, t.url);
    fprintf(o, "</title>\n</svg>\n");
    QRcode_free(q);
    if (fclose(o)) {
        free(*svg);
        *svg = NULL;
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    return TJ_OK;
}

static void draw_text(cairo_t *cr, double x, double y, const char *font, const char *text, double r, double g,
                      double b)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_text(l, text, -1);
    cairo_set_source_rgb(cr, r, g, b);
    cairo_move_to(cr, x, y - pango_units_to_double(pango_layout_get_baseline(l)));
    pango_cairo_show_layout(cr, l);
    pango_font_description_free(fd);
    g_object_unref(l);
}

/* Draw the PNG graphic on a new image surface (*out). */
static tj_status png_surface(const json_t *label, double scale, cairo_surface_t **out, tj_error *err)
{
    *out = NULL;
    gtext t;
    tj_status rc = texts(label, &t, err);
    if (rc)
        return rc;
    if (!(scale >= 1 && scale <= 16))
        return tj_error_set(err, TJ_ERR_USAGE, "scale", "scale is 1..16");
    QRcode *q = qr(t.url, err);
    if (!q)
        return TJ_ERR_INPUT;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(W * scale), (int)(H * scale));
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, scale, scale);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0x1b / 255.0, 0x7a / 255.0, 0x3d / 255.0);
    cairo_set_line_width(cr, 4);
    double x = 2, y = 2, w = W - 4, h = H - 4, rr = 14;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - rr, y + rr, rr, -G_PI / 2, 0);
    cairo_arc(cr, x + w - rr, y + h - rr, rr, 0, G_PI / 2);
    cairo_arc(cr, x + rr, y + h - rr, rr, G_PI / 2, G_PI);
    cairo_arc(cr, x + rr, y + rr, rr, G_PI, 3 * G_PI / 2);
    cairo_close_path(cr);
    cairo_stroke(cr);
    double gr = 0x1b / 255.0, gg = 0x7a / 255.0, gb = 0x3d / 255.0;
    draw_text(cr, 16, 30, "Noto Sans CJK SC Bold 11", "碳足迹标识 Carbon Footprint Label", gr, gg, gb);
    draw_text(cr, 16, 86, "Noto Sans CJK SC Bold 34", t.value, 0.07, 0.07, 0.07);
    draw_text(cr, 16, 106, "Noto Sans CJK SC 10", t.unit, 0.07, 0.07, 0.07);
    draw_text(cr, 16, 128, "Noto Sans CJK SC 10", t.product, 0.07, 0.07, 0.07);
    if (t.grade[0])
        draw_text(cr, 16, 148, "Noto Sans CJK SC Bold 10", t.grade, gr, gg, gb);
    draw_text(cr, 16, 170, "Noto Sans CJK SC 8", t.number, 0.2, 0.2, 0.2);
    draw_text(cr, 16, 186, "Noto Sans CJK SC 8", t.validity, 0.2, 0.2, 0.2);
    double side = 120.0, m = side / (q->width + 8), x0 = W - side - 14, y0 = (H - side) / 2 + 8;
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int yy = 0; yy < q->width; yy++)
        for (int xx = 0; xx < q->width; xx++)
            if (q->data[yy * q->width + xx] & 1)
                cairo_rectangle(cr, x0 + (xx + 4) * m, y0 + (yy + 4) * m, m, m);
    cairo_fill(cr);
    QRcode_free(q);
    cairo_destroy(cr);
    *out = s;
    return TJ_OK;
}

tj_status svc_label_png(const json_t *label, const char *path, double scale, tj_error *err)
{
    cairo_surface_t *s;
    tj_status rc = png_surface(label, scale, &s, err);
    if (rc)
        return rc;
    cairo_status_t cs = cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS)
        return tj_error_set(err, TJ_ERR_IO, path, "cannot write the PNG: %s", cairo_status_to_string(cs));
    return TJ_OK;
}

typedef struct membuf {
    unsigned char *data;
    size_t len, cap;
} membuf;

static cairo_status_t mem_write(void *arg, const unsigned char *data, unsigned int n)
{
    membuf *m = arg;
    if (m->len + n > m->cap) {
        size_t cap = (m->cap ? m->cap * 2 : 65536) + n;
        unsigned char *d = realloc(m->data, cap);
        if (!d)
            return CAIRO_STATUS_NO_MEMORY;
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, n);
    m->len += n;
    return CAIRO_STATUS_SUCCESS;
}

tj_status svc_label_graphic(svc_ctx *ctx, const char *number, const char *format, double scale, char **data,
                            size_t *len, tj_error *err)
{
    *data = NULL;
    *len = 0;
    if (!format || (strcmp(format, "svg") && strcmp(format, "png")))
        return tj_error_set(err, TJ_ERR_USAGE, "format", "format is svg or png");
    json_t *doc = NULL;
    tj_status rc = svc_label_document(ctx, number, &doc, err);
    if (rc)
        return rc;
    const json_t *label = json_object_get(doc, "label");
    if (!strcmp(format, "svg")) {
        if (!(rc = svc_label_svg(label, data, err)))
            *len = strlen(*data);
    } else {
        cairo_surface_t *s;
        if (!(rc = png_surface(label, scale, &s, err))) {
            membuf m = {0};
            cairo_status_t cs = cairo_surface_write_to_png_stream(s, mem_write, &m);
            cairo_surface_destroy(s);
            if (cs != CAIRO_STATUS_SUCCESS) {
                free(m.data);
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "cannot encode the PNG: %s", cairo_status_to_string(cs));
            } else {
                *data = (char *)m.data;
                *len = m.len;
            }
        }
    }
    json_decref(doc);
    return rc;
}
