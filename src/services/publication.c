/* svc_publication: public footprints and footprint reports; see publication.h. */
#include "services/publication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/report.h"
#include "services/factors.h"
#include "services/footprint.h"
#include "store/publication_sql.h"

tj_status svc_footprint_publish(svc_ctx *ctx, const char *id, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "publish footprints", err);
    if (rc)
        return rc;
    json_t *fp = NULL;
    if ((rc = svc_footprint_get(ctx, id, 0, &fp, err))) /* others' answer as missing */
        return rc;
    json_decref(fp);
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    json_t *state = json_pack("{s:s,s:s,s:s}", "footprint_id", id, "published_by", ctx->who.id, "published_at", at);
    if (!state)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_publication_insert(ctx->db, id, ctx->who.id, at, err);
        if (!rc)
            rc = svc_record(ctx, "footprint.publish", "footprint_publication", id, state, state, err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    json_decref(state);
    return rc;
}

tj_status svc_footprint_public_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    int published = 0;
    tj_status rc = store_publication_get(db, id ? id : "", &published, err);
    if (rc)
        return rc;
    if (!published)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no public footprint \"%.80s\" / 公开碳足迹不存在", id);
    return svc_footprint_read(db, id, 1, out, err);
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
    tj_status rc = svc_footprint_get(ctx, id, 1, &fp, err);
    if (rc == TJ_ERR_NOTFOUND) {
        tj_error_clear(err);
        rc = svc_footprint_public_get(ctx->db, id, &fp, err);
    }
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
