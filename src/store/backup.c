/* store backup: SQLite online backup and restore; see backup.h. */
#include "store/backup.h"

#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static const char *path_of(const char *url)
{
    return strncmp(url, "sqlite:", 7) ? url : url + 7;
}

static tj_status copy(sqlite3 *from, sqlite3 *to, const char *what, tj_error *err)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b)
        return tj_error_set(err, TJ_ERR_DB, NULL, "%s: %s", what, sqlite3_errmsg(to));
    int r;
    while ((r = sqlite3_backup_step(b, 256)) == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED)
        sqlite3_sleep(r == SQLITE_OK ? 0 : 20);
    sqlite3_backup_finish(b);
    if (r != SQLITE_DONE)
        return tj_error_set(err, TJ_ERR_DB, NULL, "%s: %s", what, sqlite3_errstr(r));
    return TJ_OK;
}

static tj_status check_tanji(sqlite3 *h, const char *path, tj_error *err)
{
    sqlite3_stmt *st = NULL;
    int id = 0;
    if (sqlite3_prepare_v2(h, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (id != STORE_SQLITE_APPLICATION_ID)
        return tj_error_set(err, TJ_ERR_INPUT, NULL, "%s is not a tanji database / 不是 tanji 数据库", path);
    return TJ_OK;
}

tj_status store_sqlite_backup(const char *url, const char *dest, tj_error *err)
{
    if (!strncmp(url, "postgres", 8))
        return tj_error_set(err, TJ_ERR_USAGE, "db", "back up PostgreSQL with pg_dump (docs/deployment.md)");
    if (access(dest, F_OK) == 0)
        return tj_error_set(err, TJ_ERR_CONFLICT, NULL, "%s exists: choose a new file / 目标文件已存在", dest);
    sqlite3 *from = NULL, *to = NULL;
    tj_status rc = TJ_OK;
    if (sqlite3_open_v2(path_of(url), &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = tj_error_set(err, TJ_ERR_DB, NULL, "cannot open %s", path_of(url));
    else if (!(rc = check_tanji(from, path_of(url), err)) &&
             sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        rc = tj_error_set(err, TJ_ERR_IO, NULL, "cannot create %s", dest);
    if (!rc) {
        sqlite3_busy_timeout(from, 10000);
        rc = copy(from, to, "backup", err);
    }
    sqlite3_close(to);
    sqlite3_close(from);
    if (rc && to)
        unlink(dest);
    return rc;
}

tj_status store_sqlite_restore(const char *url, const char *src, tj_error *err)
{
    if (!strncmp(url, "postgres", 8))
        return tj_error_set(err, TJ_ERR_USAGE, "db", "restore PostgreSQL with pg_restore (docs/deployment.md)");
    sqlite3 *from = NULL, *to = NULL;
    tj_status rc = TJ_OK;
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = tj_error_set(err, TJ_ERR_IO, NULL, "cannot open %s", src);
    else if (!(rc = check_tanji(from, src, err)) &&
             sqlite3_open_v2(path_of(url), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        rc = tj_error_set(err, TJ_ERR_DB, NULL, "cannot open %s", path_of(url));
    if (!rc) {
        sqlite3_busy_timeout(to, 10000);
        rc = copy(from, to, "restore", err);
    }
    sqlite3_close(to);
    sqlite3_close(from);
    return rc;
}
