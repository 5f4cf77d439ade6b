/* Migration 16 (migrations_login.c): failed-login counters in the database. */
#ifndef STORE_MIGRATIONS_LOGIN_H
#define STORE_MIGRATIONS_LOGIN_H

extern const char login_limit_sqlite[];
extern const char login_limit_postgres[];

#endif
