/*
 * store backup: SQLite online backups (the sqlite3 backup API: a consistent
 * copy while the database is in use).  PostgreSQL databases are backed up
 * with pg_dump (docs/deployment.md).
 */
#ifndef STORE_BACKUP_H
#define STORE_BACKUP_H

#include "tanji/error.h"

/* Copy the tanji SQLite database at url (a path or sqlite:PATH) to dest
 * (which must not exist). */
tj_status store_sqlite_backup(const char *url, const char *dest, tj_error *err);
/* Replace the database at url with the backup src (a tanji database):
 * stop the servers first. */
tj_status store_sqlite_restore(const char *url, const char *src, tj_error *err);

#endif
