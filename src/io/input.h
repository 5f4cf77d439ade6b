/*
 * io/input: the one bounded reader for every input from outside (files,
 * standard input, pipes, folders of files, zip archives; uploads later).
 *
 * Whatever is read is capped, and what goes past a cap is refused with an
 * error that names the file and the cap, never cut:
 *   - a file or stream: at most max_bytes (a pipe or device that never ends
 *     is read only up to the cap, then refused);
 *   - a path that is a device (/dev/zero, a terminal) is refused; standard
 *     input ("-") may be anything and is capped;
 *   - a file inside a folder (openLCA JSON-LD folders): a symbolic link is
 *     followed only when its target is a regular file inside the folder;
 *   - a zip archive: the archive's size, its entry count, each entry's
 *     inflated size, the inflated total and the compression ratio of every
 *     entry over 1 MiB; every entry is read to its end so that its CRC-32 is
 *     checked; an archive that names an entry twice is refused.
 *
 * Defaults (docs/limits.md) can be changed per process with environment
 * variables, each a number of bytes (or entries / a ratio):
 *   TANJI_MAX_INPUT_BYTES       one file or stream        default 512 MiB
 *   TANJI_MAX_ARCHIVE_ENTRIES   entries of one archive    default 1,000,000
 *   TANJI_MAX_ENTRY_BYTES       one entry, inflated       default 256 MiB
 *   TANJI_MAX_INFLATED_BYTES    all entries, inflated     default 4 GiB
 *   TANJI_MAX_ZIP_RATIO         inflated / compressed     default 200
 *
 * Ownership: buffers returned are malloc'ed, NUL-terminated (the NUL is not
 * counted in the length) and owned by the caller; an io_zip owns its archive.
 */
#ifndef IO_INPUT_H
#define IO_INPUT_H

#include <stddef.h>

#include "tanji/error.h"

typedef struct io_input_limits {
    size_t max_bytes;       /* one file or stream */
    size_t max_entries;     /* entries in one archive */
    size_t max_entry_bytes; /* one archive entry, inflated */
    size_t max_total_bytes; /* all entries of one archive read, inflated */
    size_t max_ratio;       /* inflated / compressed for entries over 1 MiB */
} io_input_limits;

/* The defaults, with the environment's overrides applied. */
io_input_limits io_input_limits_default(void);

/* Read a whole file; path "-" is standard input.  max_bytes 0 means the
 * default.  Devices are refused (except as standard input). */
tj_status io_input_read(const char *path, size_t max_bytes, char **out, size_t *len, tj_error *err);

/* Read an open descriptor to its end (at most max_bytes; 0: default); name
 * is used in messages.  The descriptor is not closed. */
tj_status io_input_read_fd(int fd, const char *name, size_t max_bytes, char **out, size_t *len,
                           tj_error *err);

/* Read root/rel, a file inside the folder root: refused when it is not a
 * regular file or a symbolic link resolves outside root. */
tj_status io_input_read_in(const char *root, const char *rel, size_t max_bytes, char **out, size_t *len,
                           tj_error *err);

/* ---- zip archives ---------------------------------------------------- */

typedef struct io_zip io_zip;

/* Open an archive (a regular file within max_bytes) and check its entry
 * count and names (no entry twice).  lim may be NULL (defaults). */
tj_status io_zip_open(const char *path, const io_input_limits *lim, io_zip **out, tj_error *err);

/* The same over memory (data must outlive z; name is used in messages). */
tj_status io_zip_open_mem(const char *name, const void *data, size_t len, const io_input_limits *lim,
                          io_zip **out, tj_error *err);

size_t io_zip_count(const io_zip *z);

/* Name of entry i (NULL when it has none). */
const char *io_zip_name(const io_zip *z, size_t i);

/* Inflate entry i into *buf (grown as needed; *bufcap its allocation, the
 * caller frees *buf), to its end: the CRC-32 is checked and every cap
 * applies.  *len is the entry's size; (*buf)[*len] is NUL. */
tj_status io_zip_read(io_zip *z, size_t i, char **buf, size_t *bufcap, size_t *len, tj_error *err);

void io_zip_close(io_zip *z);

#endif
