/* svc_model: models kept on the platform; see model.h. */
#include "services/model.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "services/factors.h"
#include "tanji/text.h"

json_t *svc_model_state(const store_model *m)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "id", m->id, "owner_org", m->owner_org, "name", m->name,
                     "created_by", m->created_by, "created_at", m->created_at, "updated_at", m->updated_at,
                     "revision", (json_int_t)m->revision, "digest", m->digest);
}

/* A model body: a JSON object with a processes array, at most
 * SVC_MODEL_MAX_BYTES as canonical JSON.  The calculation checks the rest. */
static tj_status canonical_body(const json_t *model, char **text, char digest[65], tj_error *err)
{
    *text = NULL;
    if (!json_is_object(model))
        return tj_error_set(err, TJ_ERR_INPUT, "model", "a model is a JSON object / 模型须为 JSON 对象");
    if (!json_is_array(json_object_get(model, "processes")))
        return tj_error_set(err, TJ_ERR_INPUT, "model.processes",
                            "a model needs a \"processes\" array (docs/model-format.md) / 模型缺少 processes");
    char *s = ledger_canonical_json(model);
    if (!s)
        return tj_error_set(err, TJ_ERR_INPUT, "model", "the model cannot be encoded (numbers must be finite) / 模型无法编码");
    size_t n = strlen(s);
    if (n > SVC_MODEL_MAX_BYTES) {
        free(s);
        return tj_error_set(err, TJ_ERR_INPUT, "model", "the model is %zu bytes, more than %u / 模型过大", n,
                            SVC_MODEL_MAX_BYTES);
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, n);
    sodium_bin2hex(digest, 65, h, sizeof h);
    *text = s;
    return TJ_OK;
}

static const char *product_name(const json_t *model)
{
    json_t *p = json_object_get(model, "product"), *n = json_object_get(p, "name");
    const char *s = json_string_value(json_object_get(n, "zh"));
    if (!s)
        s = json_string_value(json_object_get(n, "en"));
    if (!s)
        s = json_string_value(n);
    return s;
}

static tj_status check_name(const char *name, tj_error *err)
{
    if (!name || !*name)
        return tj_error_set(err, TJ_ERR_INPUT, "name", "a model needs a name / 模型名称不能为空");
    return tj_text_check_line("name", name, 200, err);
}

static tj_status record(svc_ctx *ctx, const char *kind, const store_model *m, json_t *change, tj_error *err)
{
    json_t *state = m->body ? svc_model_state(m) : NULL;
    tj_status rc = svc_record(ctx, kind, "model", m->id, change, state, err);
    json_decref(state);
    return rc;
}

tj_status svc_model_create(svc_ctx *ctx, const char *name, const json_t *model, char **id_out, tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "create models", err);
    if (rc)
        return rc;
    if (!name && model)
        name = product_name(model);
    if ((rc = check_name(name, err)))
        return rc;
    char digest[65];
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    store_model m = {.id = svc_new_uuid(), .owner_org = ctx->who.org_id, .name = (char *)name,
                     .created_by = ctx->who.id, .created_at = at, .updated_at = at, .revision = 1};
    if (!m.id)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if ((rc = canonical_body(model, &m.body, digest, err))) {
        free(m.id);
        return rc;
    }
    m.digest = digest;
    json_t *change = json_pack("{s:s,s:s,s:s}", "action", "create", "name", name, "digest", digest);
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_model_insert(ctx->db, &m, err);
        if (!rc)
            rc = record(ctx, "model.create", &m, change, err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    json_decref(change);
    free(m.body);
    if (!rc && id_out)
        *id_out = m.id;
    else
        free(m.id);
    return rc;
}

tj_status svc_model_create_from_sheets(svc_ctx *ctx, const char *name, svc_activity_options *opt, char **id_out,
                                       json_t **report, tj_error *err)
{
    if (report)
        *report = NULL;
    *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "create models", err);
    if (rc)
        return rc;
    svc_activity_result res;
    memset(&res, 0, sizeof res);
    if ((rc = svc_activity_to_model(ctx, opt, &res, err)))
        return rc;
    rc = svc_model_create(ctx, name, res.model, id_out, err);
    if (!rc && report) {
        json_t *un = json_array();
        for (size_t i = 0; i < res.n_unmatched; i++)
            json_array_append_new(un, json_pack("{s:s?,s:I,s:s?,s:s?,s:s?}", "file", res.unmatched[i].file, "line",
                                                (json_int_t)res.unmatched[i].line, "cell", res.unmatched[i].cell,
                                                "name", res.unmatched[i].name, "reason", res.unmatched[i].reason));
        *report = json_pack("{s:I,s:I,s:I,s:o}", "lines", (json_int_t)res.lines, "by_id", (json_int_t)res.by_id,
                            "by_query", (json_int_t)res.by_query, "unmatched", un);
    }
    svc_activity_result_release(&res);
    return rc;
}

/* The model if the principal may see it; others' answer as missing ones. */
static tj_status load(svc_ctx *ctx, const char *id, int whole, store_model *m, tj_error *err)
{
    tj_status rc = store_model_get(ctx->db, id ? id : "", whole, m, err);
    if (rc)
        return rc;
    if (!svc_owns(ctx, m->owner_org)) {
        store_model_release(m);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no model \"%.80s\" / 模型不存在", id);
    }
    return TJ_OK;
}

static json_t *model_json(const store_model *m, int whole, tj_error *err)
{
    json_t *j = svc_model_state(m);
    if (j && whole) {
        json_error_t je;
        json_t *b = json_loads(m->body, 0, &je);
        if (!b) {
            json_decref(j);
            tj_error_set(err, TJ_ERR_DB, "model", "a stored model is not JSON: %s", je.text);
            return NULL;
        }
        json_object_set_new(j, "model", b);
    }
    if (!j && err && !err->code)
        tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return j;
}

tj_status svc_model_get(svc_ctx *ctx, const char *id, int whole, json_t **out, tj_error *err)
{
    *out = NULL;
    store_model m;
    tj_status rc = load(ctx, id, whole, &m, err);
    if (rc)
        return rc;
    if (!(*out = model_json(&m, whole, err)))
        rc = err && err->code ? err->code : TJ_ERR_NOMEM;
    store_model_release(&m);
    return rc;
}

tj_status svc_model_text(svc_ctx *ctx, const char *id, char **text, size_t *len, tj_error *err)
{
    *text = NULL;
    store_model m;
    tj_status rc = load(ctx, id, 1, &m, err);
    if (rc)
        return rc;
    *text = m.body;
    *len = strlen(m.body);
    m.body = NULL;
    store_model_release(&m);
    return TJ_OK;
}

tj_status svc_model_update(svc_ctx *ctx, const char *id, int64_t revision, const char *name, const json_t *model,
                           json_t **out, tj_error *err)
{
    if (out)
        *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "change models", err);
    if (rc)
        return rc;
    if (name && (rc = check_name(name, err)))
        return rc;
    char *body = NULL;
    char digest[65];
    if (model && (rc = canonical_body(model, &body, digest, err)))
        return rc;
    if ((rc = svc_begin(ctx, err))) {
        free(body);
        return rc;
    }
    store_model m;
    if ((rc = load(ctx, id, 1, &m, err))) {
        svc_rollback(ctx);
        free(body);
        return rc;
    }
    if (revision > 0 && revision != m.revision) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "revision",
                          "the model is at revision %lld, not %lld: read it again / 模型已被修改", (long long)m.revision,
                          (long long)revision);
    } else {
        if (name) {
            free(m.name);
            m.name = strdup(name);
        }
        if (body) {
            free(m.body);
            m.body = body;
            body = NULL;
            free(m.digest);
            m.digest = strdup(digest);
        }
        char at[32];
        svc_now_rfc3339(at, sizeof at);
        free(m.updated_at);
        m.updated_at = strdup(at);
        m.revision++;
        if (!m.name || !m.digest || !m.updated_at)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        json_t *change = json_pack("{s:s,s:s?,s:s,s:I}", "action", "update", "name", name, "digest", m.digest,
                                   "revision", (json_int_t)m.revision);
        if (!rc)
            rc = store_model_update(ctx->db, &m, err);
        if (!rc)
            rc = record(ctx, "model.update", &m, change, err);
        json_decref(change);
    }
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
    if (!rc && out && !(*out = model_json(&m, 0, err)))
        rc = TJ_ERR_NOMEM;
    free(body);
    store_model_release(&m);
    return rc;
}

tj_status svc_model_delete(svc_ctx *ctx, const char *id, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "delete models", err);
    if (rc || (rc = svc_begin(ctx, err)))
        return rc;
    store_model m;
    if ((rc = load(ctx, id, 0, &m, err))) {
        svc_rollback(ctx);
        return rc;
    }
    json_t *change = json_pack("{s:s,s:s}", "action", "delete", "digest", m.digest);
    rc = store_model_delete(ctx->db, m.id, err);
    if (!rc)
        rc = record(ctx, "model.delete", &m, change, err); /* m.body NULL: state NULL, deleted */
    json_decref(change);
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
    store_model_release(&m);
    return rc;
}

tj_status svc_model_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err)
{
    *out = NULL;
    svc_page(&limit, &offset);
    store_model *ms = NULL;
    size_t n = 0;
    const char *owner = svc_list_owner(ctx);
    tj_status rc = store_model_list(ctx->db, owner, limit, offset, &ms, &n, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, svc_model_state(&ms[i]));
        store_model_release(&ms[i]);
    }
    free(ms);
    *out = a;
    return TJ_OK;
}

tj_status svc_model_create_from_workbook(svc_ctx *ctx, const char *name, const char *data, size_t len,
                                         svc_activity_options *opt, char **id_out, json_t **report, tj_error *err)
{
    *id_out = NULL;
    if (report)
        *report = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "create models", err);
    if (rc)
        return rc;
    if (len < 4 || memcmp(data, "PK\003\004", 4))
        return tj_error_set(err, TJ_ERR_INPUT, "workbook", "the upload is not an .xlsx workbook / 上传文件不是 xlsx 工作簿");
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/tanji-sheets-XXXXXX.xlsx", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (pn <= 0 || (size_t)pn >= sizeof path)
        return tj_error_set(err, TJ_ERR_IO, NULL, "TMPDIR is too long");
    int fd = mkstemps(path, 5);
    if (fd < 0)
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot create a temporary file");
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && close(fd) == 0;
    if (!ok) {
        unlink(path);
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot write a temporary file");
    }
    opt->workbook = path;
    rc = svc_model_create_from_sheets(ctx, name, opt, id_out, report, err);
    opt->workbook = NULL;
    if (rc && err && !strncmp(err->file, path, strlen(path)))
        snprintf(err->file, sizeof err->file, "upload.xlsx"); /* not the temporary name */
    unlink(path);
    return rc;
}

tj_status svc_model_check(svc_ctx *ctx, const svc_ruleset *set, const char *model_id, const json_t *model,
                          const char *rule, const char *region, int zh, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *doc = NULL;
    tj_status rc;
    if (model_id) {
        json_t *m = NULL;
        if ((rc = svc_model_get(ctx, model_id, 1, &m, err)))
            return rc;
        doc = json_incref(json_object_get(m, "model"));
        json_decref(m);
    } else if (json_is_object(model)) {
        doc = json_incref((json_t *)model);
    } else {
        return tj_error_set(err, TJ_ERR_INPUT, "model_id", "give model_id or model / 须给出 model_id 或 model");
    }
    const svc_rule *r = NULL;
    char *why = NULL;
    svc_check_result res;
    memset(&res, 0, sizeof res);
    if (!(rc = svc_check_pick_rule(set, doc, rule, region, 0, zh, &r, &why, err)) &&
        !(rc = svc_check_model(r, doc, NULL, &res, err))) {
        *out = svc_check_to_json(r, model_id ? model_id : "model", &res);
        if (*out && why)
            json_object_set_new(*out, "why", json_string(why));
        if (!*out)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        svc_check_result_release(&res);
    }
    free(why);
    json_decref(doc);
    return rc;
}
