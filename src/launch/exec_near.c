/* Run a program of tanji's next to this one; see exec_near.h. */
#include "launch/exec_near.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int launch_exec_near(const char *name, char **argv, char *tried, size_t tried_size)
{
    if (tried_size)
        tried[0] = '\0';
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || (size_t)n >= sizeof self - 1) {
        errno = ENOENT;
        return -1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        slash[1] = '\0';
    static const char *const where[] = {"", "../libexec/tanji/"};
    char path[PATH_MAX + 64];
    int saved = ENOENT;
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        int len = snprintf(path, sizeof path, "%s%s%s", self, where[i], name);
        if (len < 0 || (size_t)len >= sizeof path)
            continue; /* too long to be a path: not there */
        if (tried_size && (size_t)len < tried_size)
            memcpy(tried, path, (size_t)len + 1);
        execv(path, argv);
        saved = errno;
        if (saved != ENOENT)
            break;
    }
    errno = saved;
    return -1;
}
