/* Declarations rendered to bytes (for the HTTP API); see io/declare_out.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/declare_out.h"

#define RENDER_MAX ((size_t)64 << 20)

tj_status io_declare_render(const json_t *decl, const char *format, char **data, size_t *len, tj_error *err)
{
    *data = NULL;
    *len = 0;
    int pdf = !strcmp(format, "pdf");
    if (!pdf && strcmp(format, "xlsx"))
        return tj_error_set(err, TJ_ERR_USAGE, "format", "\"%.20s\" is not pdf or xlsx", format);
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    size_t n = strlen(tmpdir) + 32;
    char *dir = malloc(n), *path = malloc(n + 16);
    if (!dir || !path) {
        free(dir);
        free(path);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    /* a private directory: the writers rename a temporary file into it */
    snprintf(dir, n, "%s/tanji-decl-XXXXXX", tmpdir);
    if (!mkdtemp(dir)) {
        free(dir);
        free(path);
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot create a temporary directory");
    }
    snprintf(path, n + 16, "%s/out.%s", dir, pdf ? "pdf" : "xlsx");
    tj_status st = pdf ? io_battery_pdf(decl, path, err) : io_cbam_xlsx(decl, path, err);
    if (!st) {
        FILE *f = fopen(path, "rb");
        struct stat sb;
        if (!f || fstat(fileno(f), &sb) || sb.st_size < 0 || (size_t)sb.st_size > RENDER_MAX)
            st = tj_error_set(err, TJ_ERR_IO, NULL, "cannot read the rendered file back");
        else if (!(*data = malloc((size_t)sb.st_size + 1)))
            st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        else if (fread(*data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
            free(*data);
            *data = NULL;
            st = tj_error_set(err, TJ_ERR_IO, NULL, "cannot read the rendered file back");
        } else
            *len = (size_t)sb.st_size;
        if (f)
            fclose(f);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
    free(path);
    return st;
}
