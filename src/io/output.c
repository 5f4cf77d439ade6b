/* Checked output files; see io/output.h. */
#include "io/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct io_out {
    FILE *f;
    char *path; /* NULL for standard output */
    char *tmp;
};

static tj_status out_fail(const char *name, int e, tj_error *err)
{
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
        return tj_error_set_at(err, TJ_ERR_IO, name, 0, 0,
                               "cannot write: %s (disk full or file too large) / 写入失败：磁盘已满",
                               strerror(e));
    return tj_error_set_at(err, TJ_ERR_IO, name, 0, 0, "cannot write: %s / 写入失败", strerror(e ? e : EIO));
}

tj_status io_out_open(const char *path, io_out **out, tj_error *err)
{
    *out = NULL;
    io_out *o = calloc(1, sizeof *o);
    if (!o)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!path || !strcmp(path, "-")) {
        o->f = stdout;
        *out = o;
        return TJ_OK;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or FIFO given as output (/dev/null, /dev/full, a pipe):
         * written in place, and checked */
        if (!(o->path = strdup(path)) || !(o->f = fopen(path, "w"))) {
            int e = errno;
            free(o->path);
            free(o);
            return out_fail(path, e, err);
        }
        *out = o;
        return TJ_OK;
    }
    size_t n = strlen(path) + 48;
    if (!(o->path = strdup(path)) || !(o->tmp = malloc(n))) {
        free(o->path);
        free(o);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    static unsigned counter;
    int fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        snprintf(o->tmp, n, "%s.tmp-%ld-%u", path, (long)getpid(), counter++);
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        free(o->path);
        free(o);
        return out_fail(path, e, err);
    }
    *out = o;
    return TJ_OK;
}

FILE *io_out_file(const io_out *o)
{
    return o->f;
}

const char *io_out_name(const io_out *o)
{
    return o->path ? o->path : "standard output";
}

const char *io_out_tmpname(const io_out *o)
{
    return o->tmp;
}

static void out_free(io_out *o)
{
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
    }
    free(o->path);
    free(o);
}

tj_status io_out_commit(io_out *o, tj_error *err)
{
    if (!o)
        return TJ_OK;
    tj_status st = TJ_OK;
    if (o->f == stdout) {
        st = io_out_check_stdout(err);
        out_free(o);
        return st;
    }
    int e = 0;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (!e && o->tmp && fsync(fileno(o->f)) != 0 && errno != EINVAL)
        e = errno;
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    if (!e && o->tmp) {
        if (rename(o->tmp, o->path) != 0)
            e = errno;
        else {
            free(o->tmp);
            o->tmp = NULL;
        }
    }
    if (e)
        st = out_fail(o->path, e, err);
    out_free(o);
    return st;
}

void io_out_abort(io_out *o)
{
    if (!o)
        return;
    if (o->f && o->f != stdout)
        fclose(o->f);
    else if (o->f == stdout)
        fflush(stdout);
    out_free(o);
}

tj_status io_out_check_stdout(tj_error *err)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno ? errno : EIO;
        clearerr(stdout);
        return out_fail("standard output", e, err);
    }
    return TJ_OK;
}
