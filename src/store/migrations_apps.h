/* Schema of the application scenarios (migration 19); see migrations_apps.c. */
#ifndef STORE_MIGRATIONS_APPS_H
#define STORE_MIGRATIONS_APPS_H

extern const char apps_sqlite[];
extern const char apps_postgres[];

#endif
