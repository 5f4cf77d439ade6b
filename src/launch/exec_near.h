/*
 * launch/exec_near: run a program of tanji's that lies next to this one.
 */
#ifndef LAUNCH_EXEC_NEAR_H
#define LAUNCH_EXEC_NEAR_H

#include <stddef.h>

/* execv(PATH, argv) for PATH the program NAME in this program's directory
 * (/proc/self/exe), then in ../libexec/tanji/ (the installed layout).  Returns
 * only when neither could be run: -1 with errno set (ENOENT: not there) and
 * the last path tried in tried[tried_size] (empty when none was formed). */
int launch_exec_near(const char *name, char **argv, char *tried, size_t tried_size);

#endif
