/*
 * migration 20: federation between tanji instances (docs/federation.md).
 *
 * fed_self         this instance's name, jurisdiction and public URL (one row)
 * fed_peer         the trust list: other instances, their Ed25519 key, what
 *                  they are trusted for, and the last signed head seen from
 *                  each (the base of the next consistency check)
 * fed_entry        every ledger entry imported from a peer (read-only copy)
 * fed_object       the latest imported state of each object of a peer
 *                  (factor versions, rule versions, labels, body keys,
 *                  dishonest-list entries), marked with its origin
 * fed_pull         every pull, imported or refused, with the reason
 * fed_recognition  mutual recognition records (foreign schemes/instances)
 */
#include "store/federation_sql.h"

#define FED_TABLES(INT_T, SERIAL_PK, STRICT)                                                                 \
    "CREATE TABLE fed_self (\n"                                                                              \
    "  id " INT_T " PRIMARY KEY CHECK (id = 1),\n"                                                           \
    "  name TEXT NOT NULL,\n"                                                                                \
    "  jurisdiction TEXT NOT NULL,\n"                                                                        \
    "  url TEXT,\n"                                                                                          \
    "  updated_at TEXT NOT NULL)" STRICT ";\n"                                                               \
    "CREATE TABLE fed_peer (\n"                                                                              \
    "  name TEXT PRIMARY KEY,\n"                                                                             \
    "  jurisdiction TEXT NOT NULL,\n"                                                                        \
    "  public_key TEXT NOT NULL UNIQUE,\n"                                                                   \
    "  scopes TEXT NOT NULL,\n"                                                                              \
    "  url TEXT,\n"                                                                                          \
    "  added_at TEXT NOT NULL,\n"                                                                            \
    "  added_by TEXT NOT NULL,\n"                                                                            \
    "  head_size " INT_T " NOT NULL DEFAULT 0,\n"                                                            \
    "  head_root TEXT,\n"                                                                                    \
    "  head_signed_at TEXT,\n"                                                                               \
    "  last_pull_at TEXT,\n"                                                                                 \
    "  package_at TEXT,\n"                                                                                   \
    "  items " INT_T " NOT NULL DEFAULT 0)" STRICT ";\n"                                                     \
    "CREATE TABLE fed_entry (\n"                                                                             \
    "  peer TEXT NOT NULL REFERENCES fed_peer (name),\n"                                                     \
    "  idx " INT_T " NOT NULL,\n"                                                                            \
    "  object_type TEXT NOT NULL,\n"                                                                         \
    "  object_id TEXT NOT NULL,\n"                                                                           \
    "  kind TEXT NOT NULL,\n"                                                                                \
    "  at TEXT NOT NULL,\n"                                                                                  \
    "  body TEXT NOT NULL,\n"                                                                                \
    "  PRIMARY KEY (peer, idx))" STRICT ";\n"                                                                \
    "CREATE INDEX fed_entry_object ON fed_entry (object_type, object_id, peer, idx);\n"                      \
    "CREATE TABLE fed_object (\n"                                                                            \
    "  peer TEXT NOT NULL REFERENCES fed_peer (name),\n"                                                     \
    "  object_type TEXT NOT NULL,\n"                                                                         \
    "  object_id TEXT NOT NULL,\n"                                                                           \
    "  idx " INT_T " NOT NULL,\n"                                                                            \
    "  status TEXT,\n"                                                                                       \
    "  category TEXT,\n"                                                                                     \
    "  region TEXT,\n"                                                                                       \
    "  state TEXT NOT NULL,\n"                                                                               \
    "  extra TEXT,\n"                                                                                        \
    "  imported_at TEXT NOT NULL,\n"                                                                         \
    "  PRIMARY KEY (peer, object_type, object_id))" STRICT ";\n"                                             \
    "CREATE INDEX fed_object_id ON fed_object (object_type, object_id);\n"                                   \
    "CREATE INDEX fed_object_category ON fed_object (object_type, category, region);\n"                      \
    "CREATE TABLE fed_pull (\n"                                                                              \
    "  seq " SERIAL_PK ",\n"                                                                                 \
    "  peer TEXT,\n"                                                                                         \
    "  at TEXT NOT NULL,\n"                                                                                  \
    "  ok " INT_T " NOT NULL,\n"                                                                             \
    "  reason TEXT,\n"                                                                                       \
    "  since " INT_T ",\n"                                                                                   \
    "  head_size " INT_T ",\n"                                                                               \
    "  items " INT_T ",\n"                                                                                   \
    "  source TEXT)" STRICT ";\n"                                                                            \
    "CREATE TABLE fed_recognition (\n"                                                                       \
    "  id TEXT PRIMARY KEY,\n"                                                                               \
    "  scheme TEXT NOT NULL,\n"                                                                              \
    "  partner TEXT,\n"                                                                                      \
    "  document TEXT NOT NULL,\n"                                                                            \
    "  created_at TEXT NOT NULL,\n"                                                                          \
    "  created_by TEXT NOT NULL)" STRICT ";\n"

const char federation_sqlite[] = FED_TABLES("INTEGER", "INTEGER PRIMARY KEY", " STRICT");
const char federation_postgres[] =
    FED_TABLES("BIGINT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "");
