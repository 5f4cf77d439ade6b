/*
 * io/output: checked output files.  Every command's output path goes
 * through here (or through io/table_write, which follows the same rule):
 *
 *   - a file is written under a temporary name beside it (PATH.tmp-PID-N)
 *     and renamed onto PATH only when everything was written, flushed,
 *     synced and closed without error; on failure or abort the temporary
 *     file is removed and PATH is left as it was;
 *   - standard output is flushed and checked (a full device, a closed pipe);
 *   - a failure is TJ_ERR_IO naming the file ("standard output" for stdout).
 *
 * Ownership: io_out_open hands out an io_out that io_out_commit or
 * io_out_abort frees (exactly one of them, once).
 */
#ifndef IO_OUTPUT_H
#define IO_OUTPUT_H

#include <stdio.h>

#include "tanji/error.h"

typedef struct io_out io_out;

/* Open an output: NULL or "-" is standard output. */
tj_status io_out_open(const char *path, io_out **out, tj_error *err);

/* The stream to write to. */
FILE *io_out_file(const io_out *o);

/* The name used in messages (the final path or "standard output"). */
const char *io_out_name(const io_out *o);

/* The temporary file's name (NULL for standard output). */
const char *io_out_tmpname(const io_out *o);

/* Finish: flush, sync, close and rename; frees o.  TJ_ERR_IO naming the
 * file when any step failed (then nothing is left under the temporary
 * name and PATH is unchanged). */
tj_status io_out_commit(io_out *o, tj_error *err);

/* Discard what was written (remove the temporary file); frees o.  NULL is
 * ignored. */
void io_out_abort(io_out *o);

/* Flush standard output and report whether everything written to it
 * arrived (TJ_ERR_IO naming "standard output" otherwise). */
tj_status io_out_check_stdout(tj_error *err);

#endif
