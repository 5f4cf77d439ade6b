/* svc_publication: public footprints and footprint reports; see publication.h. */
#include "services/publication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/report.h"
#include "services/disclosure.h"
#include "services/factors.h"
#include "services/footprint.h"
#include "store/publication_sql.h"

tj_status svc_footprint_publish(svc_ctx *ctx, const char *id, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "publish footprints", err);
    if (rc)
        return rc;
    char *did = NULL;
    if ((rc = store_publication_get(ctx->db, id ? id : "", &did, err)))
        return rc;
    if (did) {
        /* public already: the owner hears conflict, others as if missing */
        json_t *fp = NULL;
        rc = svc_footprint_get(ctx, id, 0, &fp, err);
        json_decref(fp);
        free(did);
        return rc ? rc
                  : tj_error_set(err, TJ_ERR_CONFLICT, "id", "the footprint is already public / 该碳足迹已公开");
    }
    /* publishing is a disclosure with scope public and no secret fields */
    return svc_disclosure_publish(ctx, id, "public", NULL, NULL, NULL, err);
}

tj_status svc_footprint_public_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    char *did = NULL;
    tj_status rc = store_publication_get(db, id ? id : "", &did, err);
    if (rc)
        return rc;
    if (!did)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no public footprint \"%.80s\" / 公开碳足迹不存在", id);
    rc = svc_disclosure_footprint_view(db, did, out, err);
    free(did);
    return rc;
}

static tj_status read_all(FILE *f, char **data, size_t *len, tj_error *err)
{
    if (fseek(f, 0, SEEK_END) != 0)
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot read the report back");
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot read the report back");
    char *b = malloc((size_t)n + 1);
    if (!b)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot read the report back");
    }
    b[n] = '\0';
    *data = b;
    *len = (size_t)n;
    return TJ_OK;
}

tj_status svc_footprint_report(svc_ctx *ctx, const char *id, const char *format, int zh, char **data, size_t *len,
                               tj_error *err)
{
    *data = NULL;
    *len = 0;
    if (!format || (strcmp(format, "html") && strcmp(format, "pdf") && strcmp(format, "json")))
        return tj_error_set(err, TJ_ERR_INPUT, "format", "format is html, pdf or json / 格式须为 html、pdf 或 json");
    json_t *fp = NULL;
    /* the owner's: a public disclosure shows its summary and chosen fields only */
    tj_status rc = svc_footprint_get(ctx, id, 1, &fp, err);
    if (rc)
        return rc;
    json_t *result = json_object_get(fp, "result");
    io_report *r = NULL;
    if ((rc = io_report_build(result, NULL, zh, json_string_value(json_object_get(fp, "digest")), &r, err))) {
        json_decref(fp);
        return rc;
    }
    if (!strcmp(format, "json")) {
        json_t *j = io_report_to_json(r);
        *data = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        if (!*data)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        else
            *len = strlen(*data);
    } else if (!strcmp(format, "html")) {
        char *buf = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&buf, &n);
        if (!m)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        else {
            rc = io_report_write_html(r, m, err);
            if (fclose(m) != 0 && !rc)
                rc = tj_error_set(err, TJ_ERR_IO, NULL, "cannot write the report");
            if (!rc) {
                *data = buf;
                *len = n;
            } else {
                free(buf);
            }
        }
    } else {
        /* cairo writes PDF to a file: a private temporary one */
        const char *tmpdir = getenv("TMPDIR");
        char path[4096];
        int pn = snprintf(path, sizeof path, "%s/tanji-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        int fd = pn > 0 && (size_t)pn < sizeof path ? mkstemp(path) : -1;
        if (fd < 0) {
            rc = tj_error_set(err, TJ_ERR_IO, NULL, "cannot create a temporary file for the PDF");
        } else {
            close(fd);
            if (!(rc = io_report_write_pdf(r, path, err))) {
                FILE *f = fopen(path, "rb");
                if (!f)
                    rc = tj_error_set(err, TJ_ERR_IO, NULL, "cannot read the PDF back");
                else {
                    rc = read_all(f, data, len, err);
                    fclose(f);
                }
            }
            unlink(path);
        }
    }
    io_report_free(r);
    json_decref(fp);
    return rc;
}
