/* Strict reading of declaration inputs; see services/declare_json.h. */
#include "services/declare_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void dj_path_key(char *out, const char *path, const char *key)
{
    if (!path || !*path)
        snprintf(out, DJ_PATH_MAX + 64, "%.*s", (int)DJ_PATH_MAX, key);
    else
        snprintf(out, DJ_PATH_MAX + 64, "%.*s.%.40s", (int)DJ_PATH_MAX, path, key);
}

void dj_path_index(char *out, const char *path, size_t i)
{
    snprintf(out, DJ_PATH_MAX + 64, "%.*s[%zu]", (int)DJ_PATH_MAX, path, i);
}

tj_status dj_object(const json_t *obj, const char *const *allowed, const char *path, tj_error *err)
{
    if (!json_is_object(obj))
        return tj_error_set(err, TJ_ERR_INPUT, path && *path ? path : "(top level)", "must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(*a, key)) {
                ok = 1;
                break;
            }
        if (!ok) {
            char p[DJ_PATH_MAX + 64];
            dj_path_key(p, path, key);
            return tj_error_set(err, TJ_ERR_INPUT, p, "unknown key \"%.60s\" / 未知字段", key);
        }
    }
    return TJ_OK;
}

tj_status dj_str(const json_t *obj, const char *key, int required, const char *path, const char **out,
                 tj_error *err)
{
    char p[DJ_PATH_MAX + 64];
    dj_path_key(p, path, key);
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) {
        if (required)
            return tj_error_set(err, TJ_ERR_INPUT, p, "missing required key / 缺少必填项");
        return TJ_OK;
    }
    if (!json_is_string(v))
        return tj_error_set(err, TJ_ERR_INPUT, p, "must be a string / 须为字符串");
    if (required && json_string_length(v) == 0)
        return tj_error_set(err, TJ_ERR_INPUT, p, "must not be empty / 不能为空");
    if (json_string_length(v) > DJ_TEXT_MAX)
        return tj_error_set(err, TJ_ERR_INPUT, p, "longer than %u bytes; refused / 文本过长", DJ_TEXT_MAX);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return tj_error_set(err, TJ_ERR_INPUT, p, "contains a NUL character / 含有空字符");
    *out = json_string_value(v);
    return TJ_OK;
}

tj_status dj_num(const json_t *obj, const char *key, int required, double min, int min_strict,
                 const char *path, double *out, int *present, tj_error *err)
{
    char p[DJ_PATH_MAX + 64];
    dj_path_key(p, path, key);
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = 0;
    if (!v) {
        if (required)
            return tj_error_set(err, TJ_ERR_INPUT, p, "missing required key / 缺少必填项");
        return TJ_OK;
    }
    if (!json_is_number(v))
        return tj_error_set(err, TJ_ERR_INPUT, p, "must be a number / 须为数值");
    double d = json_number_value(v);
    if (!isfinite(d))
        return tj_error_set(err, TJ_ERR_INPUT, p, "must be a finite number / 须为有限数值");
    if (min_strict ? !(d > min) : !(d >= min))
        return tj_error_set(err, TJ_ERR_INPUT, p, "is %g; must be %s %g / 数值超出范围", d,
                            min_strict ? ">" : ">=", min);
    *out = d;
    if (present)
        *present = 1;
    return TJ_OK;
}

tj_status dj_share(const json_t *obj, const char *key, int required, const char *path, double *out,
                   int *present, tj_error *err)
{
    double d = 0;
    int have = 0;
    tj_status st = dj_num(obj, key, required, 0, 0, path, &d, &have, err);
    if (st)
        return st;
    if (have && d > 1) {
        char p[DJ_PATH_MAX + 64];
        dj_path_key(p, path, key);
        return tj_error_set(err, TJ_ERR_INPUT, p, "is %g; a share is between 0 and 1 / 比例须在 0 到 1 之间",
                            d);
    }
    if (have)
        *out = d;
    if (present)
        *present = have;
    return TJ_OK;
}

tj_status dj_qty(const json_t *obj, const char *key, int required, int positive, const char *to,
                 const char *path, double *out, int *present, tj_error *err)
{
    static const char *const keys[] = {"amount", "unit", NULL};
    char p[DJ_PATH_MAX + 64];
    dj_path_key(p, path, key);
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = 0;
    if (!v) {
        if (required)
            return tj_error_set(err, TJ_ERR_INPUT, p,
                                "missing required key / 缺少必填项 ({\"amount\": x, \"unit\": \"%s\"})", to);
        return TJ_OK;
    }
    tj_status st = dj_object(v, keys, p, err);
    if (st)
        return st;
    double amount = 0;
    const char *unit;
    if ((st = dj_num(v, "amount", 1, 0, positive, p, &amount, NULL, err)) ||
        (st = dj_str(v, "unit", 1, p, &unit, err)))
        return st;
    char up[DJ_PATH_MAX + 64];
    dj_path_key(up, p, "unit");
    const tj_unit *from, *target = tj_unit_find(to);
    if ((st = tj_unit_lookup(unit, up, &from, err)))
        return st;
    if (!target)
        return tj_error_set(err, TJ_ERR_INTERNAL, up, "unit %s unknown to tanji", to);
    if (from->dim != target->dim)
        return tj_error_set(err, TJ_ERR_INPUT, up,
                            "\"%.40s\" is a unit of %s; expected a unit of %s such as \"%s\" / 单位量纲不符",
                            unit, tj_dimension_name(from->dim), tj_dimension_name(target->dim), to);
    double f;
    if ((st = tj_unit_factor(from, target, &f, up, err)))
        return st;
    *out = amount * f;
    if (present)
        *present = 1;
    return TJ_OK;
}

tj_status dj_bool(const json_t *obj, const char *key, int dflt, const char *path, int *out, tj_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = dflt;
        return TJ_OK;
    }
    if (!json_is_boolean(v)) {
        char p[DJ_PATH_MAX + 64];
        dj_path_key(p, path, key);
        return tj_error_set(err, TJ_ERR_INPUT, p, "must be true or false / 须为布尔值");
    }
    *out = json_is_true(v);
    return TJ_OK;
}
