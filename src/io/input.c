/* The bounded reader for outside input; see io/input.h. */
#include "io/input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zip.h>

#define MIB ((size_t)1 << 20)
#define ZIP_IN_MEMORY (64 * MIB) /* archives up to this size are read into memory once */

static size_t env_size(const char *name, size_t dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0 || v > SIZE_MAX / 2 || *s == '-')
        return dflt; /* a bad override keeps the default */
    return (size_t)v;
}

io_input_limits io_input_limits_default(void)
{
    io_input_limits l;
    l.max_bytes = env_size("TANJI_MAX_INPUT_BYTES", 512 * MIB);
    l.max_entries = env_size("TANJI_MAX_ARCHIVE_ENTRIES", 1000000);
    l.max_entry_bytes = env_size("TANJI_MAX_ENTRY_BYTES", 256 * MIB);
    l.max_total_bytes = env_size("TANJI_MAX_INFLATED_BYTES", (size_t)4096 * MIB);
    l.max_ratio = env_size("TANJI_MAX_ZIP_RATIO", 200);
    return l;
}

static tj_status too_large(const char *name, size_t max, tj_error *err)
{
    return tj_error_set_at(
        err, TJ_ERR_INPUT, name, 0, 0,
        "input is over the limit of %zu bytes (TANJI_MAX_INPUT_BYTES) / 输入超过 %zu 字节上限", max, max);
}

tj_status io_input_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, tj_error *err)
{
    *out = NULL;
    *len = 0;
    if (!max)
        max = io_input_limits_default().max_bytes;
    struct stat st;
    size_t want = 65536;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > max)
            return too_large(name, max, err);
        want = (size_t)st.st_size + 1;
    }
    size_t cap = want < max + 1 ? want : max + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory reading %s", name);
    for (;;) {
        if (n == cap) {
            if (cap > max) { /* one byte past the cap was read */
                free(buf);
                return too_large(name, max, err);
            }
            size_t nc = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            char *nb = realloc(buf, nc + 1);
            if (!nb) {
                free(buf);
                return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory reading %s", name);
            }
            buf = nb;
            cap = nc;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return tj_error_set_at(err, TJ_ERR_IO, name, 0, 0, "cannot read: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return too_large(name, max, err);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return TJ_OK;
}

/* Open path for reading without blocking on a FIFO and without acquiring a
 * controlling terminal; refuse devices. */
static tj_status open_checked(const char *path, int *fdout, tj_error *err)
{
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0, "is a folder, not a file / 是文件夹而不是文件");
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
        close(fd);
        return tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0,
                               "is a device or socket, not a file; refused / 是设备而不是文件，拒绝读取");
    }
    /* blocking reads from here on (a FIFO is read up to the cap) */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fdout = fd;
    return TJ_OK;
}

tj_status io_input_read(const char *path, size_t max, char **out, size_t *len, tj_error *err)
{
    *out = NULL;
    *len = 0;
    if (!strcmp(path, "-"))
        return io_input_read_fd(STDIN_FILENO, "standard input", max, out, len, err);
    int fd;
    tj_status st = open_checked(path, &fd, err);
    if (st)
        return st;
    st = io_input_read_fd(fd, path, max, out, len, err);
    close(fd);
    return st;
}

tj_status io_input_read_in(const char *root, const char *rel, size_t max, char **out, size_t *len,
                           tj_error *err)
{
    *out = NULL;
    *len = 0;
    char *path = NULL;
    if (asprintf(&path, "%s/%s", root, rel) < 0)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    struct stat lst;
    tj_status st = TJ_OK;
    if (lstat(path, &lst) != 0) {
        st = tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (S_ISLNK(lst.st_mode)) {
        char *rroot = realpath(root, NULL), *rpath = realpath(path, NULL);
        size_t rl = rroot ? strlen(rroot) : 0;
        int inside =
            rroot && rpath && !strncmp(rpath, rroot, rl) && (rpath[rl] == '/' || !strcmp(rroot, "/"));
        free(rroot);
        free(rpath);
        if (!inside) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0,
                                 "a symbolic link that leads outside %s (or nowhere); refused / "
                                 "符号链接指向文件夹之外，拒绝读取",
                                 root);
            goto out;
        }
    }
    int fd;
    if ((st = open_checked(path, &fd, err)))
        goto out;
    struct stat fst;
    if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
        close(fd);
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0,
                             "not a regular file; refused / 不是普通文件，拒绝读取");
        goto out;
    }
    st = io_input_read_fd(fd, path, max, out, len, err);
    close(fd);
out:
    free(path);
    return st;
}

/* ---- zip ------------------------------------------------------------- */

struct io_zip {
    zip_t *z;
    char *name;
    io_input_limits lim;
    size_t n;
    size_t total; /* bytes inflated so far */
    struct libdeflate_decompressor *dec; /* for the one-shot path, on first use */
    char *cbuf;                          /* compressed bytes of one entry */
    size_t cbufcap;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static tj_status zip_check(io_zip *z, tj_error *err)
{
    zip_int64_t n = zip_get_num_entries(z->z, 0);
    if (n < 0)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0, "cannot list the archive");
    if ((zip_uint64_t)n > z->lim.max_entries)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                               "the archive has %lld entries; at most %zu are accepted "
                               "(TANJI_MAX_ARCHIVE_ENTRIES) / 压缩包条目过多",
                               (long long)n, z->lim.max_entries);
    z->n = (size_t)n;
    const char **names = malloc((z->n + 1) * sizeof *names);
    if (!names)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < z->n; i++) {
        const char *s = zip_get_name(z->z, (zip_uint64_t)i, 0);
        if (s)
            names[k++] = s;
    }
    qsort(names, k, sizeof *names, cmp_str);
    tj_status st = TJ_OK;
    for (size_t i = 1; i < k && !st; i++)
        if (!strcmp(names[i - 1], names[i]))
            st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                                 "the archive holds the entry %.200s twice; refused / 压缩包中条目重复",
                                 names[i]);
    free(names);
    return st;
}

static tj_status zip_new(const char *name, const io_input_limits *lim, io_zip **out, tj_error *err)
{
    io_zip *z = calloc(1, sizeof *z);
    if (!z || !(z->name = strdup(name))) {
        free(z);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    z->lim = lim ? *lim : io_input_limits_default();
    *out = z;
    return TJ_OK;
}

static tj_status zip_open_fail(io_zip *z, int code, tj_error *err)
{
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    int io = code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_MEMORY;
    tj_status st = code == ZIP_ER_EXISTS
                       ? tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                                         "the archive holds an entry twice; refused / 压缩包中条目重复")
                       : tj_error_set_at(err, io ? TJ_ERR_IO : TJ_ERR_INPUT, z->name, 0, 0,
                                         "cannot open as a zip archive: %s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    io_zip_close(z);
    return st;
}

tj_status io_zip_open(const char *path, const io_input_limits *lim, io_zip **out, tj_error *err)
{
    *out = NULL;
    io_zip *z = NULL;
    tj_status st = zip_new(path, lim, &z, err);
    if (st)
        return st;
    int fd;
    if ((st = open_checked(path, &fd, err))) {
        io_zip_close(z);
        return st;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0, "not a regular file; refused / 不是普通文件");
    else if ((uintmax_t)sb.st_size > z->lim.max_bytes)
        st = too_large(path, z->lim.max_bytes, err);
    if (st) {
        close(fd);
        io_zip_close(z);
        return st;
    }
    int code = 0;
    if ((uintmax_t)sb.st_size <= ZIP_IN_MEMORY) {
        /* read once: libzip on a file seeks and stats for every entry */
        char *data = NULL;
        size_t len = 0;
        st = io_input_read_fd(fd, path, z->lim.max_bytes, &data, &len, err);
        close(fd);
        if (st) {
            io_zip_close(z);
            return st;
        }
        zip_error_t ze;
        zip_error_init(&ze);
        zip_source_t *src = zip_source_buffer_create(data, len, 1, &ze); /* owns data */
        if (!src)
            free(data);
        else if (!(z->z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
            zip_source_free(src);
        code = zip_error_code_zip(&ze);
        zip_error_fini(&ze);
        if (!z->z)
            return zip_open_fail(z, code ? code : ZIP_ER_MEMORY, err);
    } else {
        z->z = zip_fdopen(fd, ZIP_RDONLY | ZIP_CHECKCONS, &code); /* takes fd on success */
        if (!z->z) {
            close(fd);
            return zip_open_fail(z, code, err);
        }
    }
    if ((st = zip_check(z, err))) {
        io_zip_close(z);
        return st;
    }
    *out = z;
    return TJ_OK;
}

tj_status io_zip_open_mem(const char *name, const void *data, size_t len, const io_input_limits *lim,
                          io_zip **out, tj_error *err)
{
    *out = NULL;
    io_zip *z = NULL;
    tj_status st = zip_new(name, lim, &z, err);
    if (st)
        return st;
    if (len > z->lim.max_bytes) {
        size_t max = z->lim.max_bytes;
        io_zip_close(z);
        return too_large(name, max, err);
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src)
        z->z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!z->z) {
        int code = zip_error_code_zip(&ze);
        zip_error_fini(&ze);
        if (src)
            zip_source_free(src);
        return zip_open_fail(z, code ? code : ZIP_ER_INVAL, err);
    }
    zip_error_fini(&ze);
    if ((st = zip_check(z, err))) {
        io_zip_close(z);
        return st;
    }
    *out = z;
    return TJ_OK;
}

size_t io_zip_count(const io_zip *z)
{
    return z->n;
}

const char *io_zip_name(const io_zip *z, size_t i)
{
    return i < z->n ? zip_get_name(z->z, (zip_uint64_t)i, 0) : NULL;
}

/* The archive's limits for an entry of n inflated bytes (comp compressed),
 * with total the archive's inflated bytes so far, this entry's included. */
static tj_status zip_limits(const io_zip *z, const char *name, size_t n, size_t total, zip_uint64_t comp,
                            tj_error *err)
{
    if (n > z->lim.max_entry_bytes)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                               "the entry %.200s inflates to more than %zu bytes (TANJI_MAX_ENTRY_BYTES); "
                               "refused / 压缩包条目过大",
                               name, z->lim.max_entry_bytes);
    if (total > z->lim.max_total_bytes)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                               "the archive inflates to more than %zu bytes (TANJI_MAX_INFLATED_BYTES); "
                               "refused / 压缩包解压后过大",
                               z->lim.max_total_bytes);
    if (n > MIB && n / z->lim.max_ratio > comp)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                               "the entry %.200s inflates more than %zu times its compressed size (%llu "
                               "bytes): refused as a zip bomb (TANJI_MAX_ZIP_RATIO) / 压缩比异常，拒绝",
                               name, z->lim.max_ratio, (unsigned long long)comp);
    return TJ_OK;
}

/* Room for need bytes in *buf. */
static tj_status zip_buf(char **buf, size_t *bufcap, size_t need, tj_error *err)
{
    if (*bufcap >= need)
        return TJ_OK;
    size_t nc = *bufcap ? *bufcap : 65536;
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    char *nb = realloc(*buf, nc);
    if (!nb)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    *buf = nb;
    *bufcap = nc;
    return TJ_OK;
}

/* The one-shot path for a stored or deflated entry whose sizes and CRC the
 * central directory gives: the limits are checked on the stated sizes
 * before anything is inflated, the raw bytes are inflated in one call into
 * a buffer of exactly the stated size (more or fewer bytes refuse the
 * entry), and the CRC-32 is checked here.  Returns 1 when it does not apply
 * (the streaming path then reads the entry). */
static int zip_read_oneshot(io_zip *z, size_t i, const zip_stat_t *zs, const char *name, char **buf,
                            size_t *bufcap, size_t *len, tj_status *st, tj_error *err)
{
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC |
                              ZIP_STAT_ENCRYPTION_METHOD;
    if ((zs->valid & need) != need || zs->encryption_method != ZIP_EM_NONE ||
        (zs->comp_method != ZIP_CM_DEFLATE && zs->comp_method != ZIP_CM_STORE) ||
        zs->comp_size > z->lim.max_bytes || zs->size > z->lim.max_entry_bytes ||
        (zs->comp_method == ZIP_CM_STORE && zs->comp_size != zs->size))
        return 1;
    size_t size = (size_t)zs->size, comp = (size_t)zs->comp_size;
    /* size <= max_entry_bytes here, so the sum saturates rather than wraps */
    size_t total = z->total > SIZE_MAX - size ? SIZE_MAX : z->total + size;
    if ((*st = zip_limits(z, name, size, total, comp, err)))
        return 0;
    if (zs->comp_method == ZIP_CM_DEFLATE && !z->dec && !(z->dec = libdeflate_alloc_decompressor())) {
        *st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        return 0;
    }
    int stored = zs->comp_method == ZIP_CM_STORE;
    if ((*st = zip_buf(buf, bufcap, size + 1, err)) ||
        (!stored && (*st = zip_buf(&z->cbuf, &z->cbufcap, comp + 1, err))))
        return 0;
    char *raw = stored ? *buf : z->cbuf;
    size_t rawcap = stored ? size : comp;
    zip_file_t *zf = zip_fopen_index(z->z, (zip_uint64_t)i, ZIP_FL_COMPRESSED);
    if (!zf) {
        *st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0, "cannot open the entry %.200s: %s", name,
                              zip_strerror(z->z));
        return 0;
    }
    /* read the raw bytes; one byte more than stated would be an error */
    size_t got = 0;
    for (;;) {
        zip_int64_t r = zip_fread(zf, raw + got, rawcap + 1 - got);
        if (r < 0) {
            *st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                                  "the entry %.200s is damaged: %s; refused / 压缩包条目已损坏", name,
                                  zip_error_strerror(zip_file_get_error(zf)));
            zip_fclose(zf);
            return 0;
        }
        if (r == 0 || (got += (size_t)r) > rawcap)
            break;
    }
    zip_fclose(zf);
    if (got != comp) {
        *st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                              "the entry %.200s holds %zu compressed bytes, the archive says %zu; refused / "
                              "压缩包条目已损坏",
                              name, got, comp);
        return 0;
    }
    size_t n = size;
    if (!stored) {
        size_t actual = 0;
        enum libdeflate_result lr = libdeflate_deflate_decompress(z->dec, raw, comp, *buf, size, &actual);
        if (lr == LIBDEFLATE_INSUFFICIENT_SPACE || lr == LIBDEFLATE_SHORT_OUTPUT ||
            (lr == LIBDEFLATE_SUCCESS && actual != size)) {
            *st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                                  "the entry %.200s does not inflate to the %zu bytes its header says; refused",
                                  name, size);
            return 0;
        }
        if (lr != LIBDEFLATE_SUCCESS) {
            *st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                                  "the entry %.200s is damaged: invalid deflate data; refused / 压缩包条目已损坏",
                                  name);
            return 0;
        }
    }
    if ((zip_uint32_t)libdeflate_crc32(0, *buf, n) != zs->crc) {
        *st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                              "the entry %.200s is damaged: CRC error; refused / 压缩包条目已损坏", name);
        return 0;
    }
    z->total += n;
    (*buf)[n] = '\0';
    *len = n;
    *st = TJ_OK;
    return 0;
}

tj_status io_zip_read(io_zip *z, size_t i, char **buf, size_t *bufcap, size_t *len, tj_error *err)
{
    *len = 0;
    const char *name = io_zip_name(z, i);
    if (!name)
        name = "(unnamed entry)";
    zip_stat_t zs;
    zip_stat_init(&zs);
    if (zip_stat_index(z->z, (zip_uint64_t)i, 0, &zs) < 0)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0, "cannot read the entry %.200s: %s", name,
                               zip_strerror(z->z));
    zip_uint64_t comp = (zs.valid & ZIP_STAT_COMP_SIZE) ? zs.comp_size : 0;
    if ((zs.valid & ZIP_STAT_SIZE) && zs.size > z->lim.max_entry_bytes)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                               "the entry %.200s inflates to %llu bytes; at most %zu are accepted "
                               "(TANJI_MAX_ENTRY_BYTES) / 压缩包条目过大",
                               name, (unsigned long long)zs.size, z->lim.max_entry_bytes);
    tj_status st = TJ_OK;
    if (!zip_read_oneshot(z, i, &zs, name, buf, bufcap, len, &st, err))
        return st;
    zip_file_t *zf = zip_fopen_index(z->z, (zip_uint64_t)i, 0);
    if (!zf)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0, "cannot open the entry %.200s: %s", name,
                               zip_strerror(z->z));
    size_t n = 0;
    for (;;) {
        if ((st = zip_buf(buf, bufcap, n + 65536 + 1, err)))
            break;
        /* read to the end, past the stated size: libzip checks the CRC-32
         * when the entry's data ends */
        zip_int64_t got = zip_fread(zf, *buf + n, 65536);
        if (got < 0) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                                 "the entry %.200s is damaged: %s; refused / 压缩包条目已损坏", name,
                                 zip_error_strerror(zip_file_get_error(zf)));
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        z->total += (size_t)got;
        if ((st = zip_limits(z, name, n, z->total, comp, err)))
            break;
    }
    zip_fclose(zf);
    if (st)
        return st;
    if ((zs.valid & ZIP_STAT_SIZE) && zs.size != n)
        return tj_error_set_at(err, TJ_ERR_INPUT, z->name, 0, 0,
                               "the entry %.200s holds %zu bytes, its header says %llu; refused", name, n,
                               (unsigned long long)zs.size);
    (*buf)[n] = '\0';
    *len = n;
    return TJ_OK;
}

void io_zip_close(io_zip *z)
{
    if (!z)
        return;
    if (z->z)
        zip_discard(z->z);
    if (z->dec)
        libdeflate_free_decompressor(z->dec);
    free(z->cbuf);
    free(z->name);
    free(z);
}
