/*
 * store migrations: the schema, one entry per version (see migrations.h), and
 * the runner that applies pending entries at store_open.
 */
#include "store/migrations.h"
#include "store/migrations_apps.h"
#include "store/migrations_apps2.h"
#include "store/migrations_compare.h"
#include "store/migrations_login.h"
#include "store/migrations_import7.h"
#include "store/migrations_import8.h"
#include "store/migrations_publication.h"
#include "store/migrations_declare.h"
#include "store/federation_sql.h"
#include "store/migrations_pact.h"
#include "store/migrations_pact_sub.h"
#include "store/migrations_pactclients.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- 1: the factor database ---------------------------------------------
 * region: national (CN), the seven regional grids and the provinces (GB/T
 * 2260 codes).  Province -> grid follows the regional division used in the
 * MEE/NBS grid emission factor announcements (华北 北京 天津 河北 山西 山东
 * 内蒙古西部; 东北 辽宁 吉林 黑龙江 内蒙古东部; 华东 上海 江苏 浙江 安徽
 * 福建; 华中 河南 湖北 湖南 江西; 西北 陕西 甘肃 青海 宁夏 新疆; 南方 广东
 * 广西 云南 贵州 海南; 西南 四川 重庆 西藏).  内蒙古 spans two grids; at
 * province level it maps to 华北 (see docs/storage.md). */
#define REGION_SEED \
    "INSERT INTO region (code, level, parent, name_zh, name_en) VALUES\n" \
    "('CN','national',NULL,'全国','China'),\n" \
    "('GRID-HB','grid','CN','华北电网','North China grid'),\n" \
    "('GRID-DB','grid','CN','东北电网','Northeast China grid'),\n" \
    "('GRID-HD','grid','CN','华东电网','East China grid'),\n" \
    "('GRID-HZ','grid','CN','华中电网','Central China grid'),\n" \
    "('GRID-XB','grid','CN','西北电网','Northwest China grid'),\n" \
    "('GRID-NF','grid','CN','南方电网','China Southern grid'),\n" \
    "('GRID-XN','grid','CN','西南电网','Southwest China grid'),\n" \
    "('110000','province','GRID-HB','北京','Beijing'),\n" \
    "('120000','province','GRID-HB','天津','Tianjin'),\n" \
    "('130000','province','GRID-HB','河北','Hebei'),\n" \
    "('140000','province','GRID-HB','山西','Shanxi'),\n" \
    "('150000','province','GRID-HB','内蒙古','Inner Mongolia'),\n" \
    "('210000','province','GRID-DB','辽宁','Liaoning'),\n" \
    "('220000','province','GRID-DB','吉林','Jilin'),\n" \
    "('230000','province','GRID-DB','黑龙江','Heilongjiang'),\n" \
    "('310000','province','GRID-HD','上海','Shanghai'),\n" \
    "('320000','province','GRID-HD','江苏','Jiangsu'),\n" \
    "('330000','province','GRID-HD','浙江','Zhejiang'),\n" \
    "('340000','province','GRID-HD','安徽','Anhui'),\n" \
    "('350000','province','GRID-HD','福建','Fujian'),\n" \
    "('360000','province','GRID-HZ','江西','Jiangxi'),\n" \
    "('370000','province','GRID-HB','山东','Shandong'),\n" \
    "('410000','province','GRID-HZ','河南','Henan'),\n" \
    "('420000','province','GRID-HZ','湖北','Hubei'),\n" \
    "('430000','province','GRID-HZ','湖南','Hunan'),\n" \
    "('440000','province','GRID-NF','广东','Guangdong'),\n" \
    "('450000','province','GRID-NF','广西','Guangxi'),\n" \
    "('460000','province','GRID-NF','海南','Hainan'),\n" \
    "('500000','province','GRID-XN','重庆','Chongqing'),\n" \
    "('510000','province','GRID-XN','四川','Sichuan'),\n" \
    "('520000','province','GRID-NF','贵州','Guizhou'),\n" \
    "('530000','province','GRID-NF','云南','Yunnan'),\n" \
    "('540000','province','GRID-XN','西藏','Tibet'),\n" \
    "('610000','province','GRID-XB','陕西','Shaanxi'),\n" \
    "('620000','province','GRID-XB','甘肃','Gansu'),\n" \
    "('630000','province','GRID-XB','青海','Qinghai'),\n" \
    "('640000','province','GRID-XB','宁夏','Ningxia'),\n" \
    "('650000','province','GRID-XB','新疆','Xinjiang');\n"

static const char factors_sqlite[] =
    "CREATE TABLE region (\n"
    "  code TEXT PRIMARY KEY,\n"
    "  level TEXT NOT NULL CHECK (level IN ('national','grid','province','city')),\n"
    "  parent TEXT REFERENCES region(code),\n"
    "  name_zh TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL\n"
    ") STRICT;\n"
    REGION_SEED
    "CREATE TABLE factor_version (\n"
    "  rid INTEGER PRIMARY KEY,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL CHECK (version >= 1),\n"
    "  status TEXT NOT NULL CHECK (status IN ('draft','submitted','under_review','approved',"
    "'rejected','published','superseded','withdrawn')),\n"
    "  name_zh TEXT, name_en TEXT, aliases TEXT,\n"
    "  category TEXT NOT NULL,\n"
    "  cpc TEXT, hs TEXT,\n"
    "  unit TEXT NOT NULL,\n"
    "  value REAL NOT NULL,\n"
    "  gases TEXT, stages TEXT,\n"
    "  boundary TEXT,\n"
    "  region TEXT NOT NULL,\n"
    "  region_level TEXT NOT NULL,\n"
    "  ref_year INTEGER,\n"
    "  valid_from TEXT, valid_to TEXT,\n"
    "  source_doc TEXT, source_publisher TEXT, source_date TEXT, source_url TEXT,\n"
    "  method TEXT, gwp_set TEXT,\n"
    "  uncertainty REAL,\n"
    "  dqr TEXT,\n"
    "  quality TEXT NOT NULL DEFAULT 'verified' CHECK (quality IN ('verified','unverified','example')),\n"
    "  submitter_org TEXT,\n"
    "  traceable INTEGER NOT NULL DEFAULT 0,\n"
    "  superseded_by INTEGER,\n"
    "  created_at TEXT NOT NULL, created_by TEXT,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  search_text TEXT NOT NULL,\n"
    "  UNIQUE (id, version)\n"
    ") STRICT;\n"
    "CREATE INDEX factor_version_region ON factor_version (region, ref_year);\n"
    "CREATE INDEX factor_version_category ON factor_version (category);\n"
    "CREATE TABLE factor_name (\n"
    "  name_norm TEXT NOT NULL,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  FOREIGN KEY (id, version) REFERENCES factor_version (id, version) ON DELETE CASCADE\n"
    ") STRICT;\n"
    "CREATE INDEX factor_name_norm ON factor_name (name_norm);\n"
    "CREATE INDEX factor_name_ref ON factor_name (id, version);\n"
    "CREATE TABLE factor_evidence (\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),\n"
    "  name TEXT,\n"
    "  traceable INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY (id, version, sha256),\n"
    "  FOREIGN KEY (id, version) REFERENCES factor_version (id, version) ON DELETE CASCADE\n"
    ") STRICT;\n"
    "CREATE TABLE factor_event (\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  from_status TEXT,\n"
    "  to_status TEXT NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  at TEXT NOT NULL,\n"
    "  reason TEXT\n"
    ") STRICT;\n"
    "CREATE INDEX factor_event_ref ON factor_event (id, version);\n"
    "CREATE VIRTUAL TABLE factor_fts USING fts5(search_text, content='factor_version',"
    " content_rowid='rid', tokenize='trigram');\n"
    "CREATE TRIGGER factor_fts_ai AFTER INSERT ON factor_version BEGIN\n"
    "  INSERT INTO factor_fts (rowid, search_text) VALUES (new.rid, new.search_text);\n"
    "END;\n"
    "CREATE TRIGGER factor_fts_ad AFTER DELETE ON factor_version BEGIN\n"
    "  INSERT INTO factor_fts (factor_fts, rowid, search_text) VALUES ('delete', old.rid, old.search_text);\n"
    "END;\n"
    "CREATE TRIGGER factor_fts_au AFTER UPDATE OF search_text ON factor_version BEGIN\n"
    "  INSERT INTO factor_fts (factor_fts, rowid, search_text) VALUES ('delete', old.rid, old.search_text);\n"
    "  INSERT INTO factor_fts (rowid, search_text) VALUES (new.rid, new.search_text);\n"
    "END;\n"
    /* A published version never changes: only its status may move on. */
    "CREATE TRIGGER factor_version_immutable BEFORE UPDATE ON factor_version\n"
    "WHEN old.status IN ('published','superseded','withdrawn') AND (\n"
    "  new.value IS NOT old.value OR new.unit IS NOT old.unit OR new.region IS NOT old.region OR\n"
    "  new.ref_year IS NOT old.ref_year OR new.gases IS NOT old.gases OR new.stages IS NOT old.stages OR\n"
    "  new.name_zh IS NOT old.name_zh OR new.name_en IS NOT old.name_en OR new.source_doc IS NOT old.source_doc OR\n"
    "  new.id IS NOT old.id OR new.version IS NOT old.version)\n"
    "BEGIN SELECT RAISE(ABORT, 'published factor versions are immutable'); END;\n"
    "CREATE TRIGGER factor_version_nodelete BEFORE DELETE ON factor_version\n"
    "WHEN old.status IN ('published','superseded','withdrawn')\n"
    "BEGIN SELECT RAISE(ABORT, 'published factor versions are immutable'); END;\n";

static const char factors_postgres[] =
    "CREATE TABLE region (\n"
    "  code TEXT PRIMARY KEY,\n"
    "  level TEXT NOT NULL CHECK (level IN ('national','grid','province','city')),\n"
    "  parent TEXT REFERENCES region(code),\n"
    "  name_zh TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL\n"
    ");\n"
    REGION_SEED
    "CREATE TABLE factor_version (\n"
    "  rid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL CHECK (version >= 1),\n"
    "  status TEXT NOT NULL CHECK (status IN ('draft','submitted','under_review','approved',"
    "'rejected','published','superseded','withdrawn')),\n"
    "  name_zh TEXT, name_en TEXT, aliases TEXT,\n"
    "  category TEXT NOT NULL,\n"
    "  cpc TEXT, hs TEXT,\n"
    "  unit TEXT NOT NULL,\n"
    "  value DOUBLE PRECISION NOT NULL,\n"
    "  gases TEXT, stages TEXT,\n"
    "  boundary TEXT,\n"
    "  region TEXT NOT NULL,\n"
    "  region_level TEXT NOT NULL,\n"
    "  ref_year INTEGER,\n"
    "  valid_from TEXT, valid_to TEXT,\n"
    "  source_doc TEXT, source_publisher TEXT, source_date TEXT, source_url TEXT,\n"
    "  method TEXT, gwp_set TEXT,\n"
    "  uncertainty DOUBLE PRECISION,\n"
    "  dqr TEXT,\n"
    "  quality TEXT NOT NULL DEFAULT 'verified' CHECK (quality IN ('verified','unverified','example')),\n"
    "  submitter_org TEXT,\n"
    "  traceable INTEGER NOT NULL DEFAULT 0,\n"
    "  superseded_by INTEGER,\n"
    "  created_at TEXT NOT NULL, created_by TEXT,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  search_text TEXT NOT NULL,\n"
    "  UNIQUE (id, version)\n"
    ");\n"
    "CREATE INDEX factor_version_region ON factor_version (region, ref_year);\n"
    "CREATE INDEX factor_version_category ON factor_version (category);\n"
    "CREATE TABLE factor_name (\n"
    "  name_norm TEXT NOT NULL,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  FOREIGN KEY (id, version) REFERENCES factor_version (id, version) ON DELETE CASCADE\n"
    ");\n"
    "CREATE INDEX factor_name_norm ON factor_name (name_norm);\n"
    "CREATE INDEX factor_name_ref ON factor_name (id, version);\n"
    "CREATE TABLE factor_evidence (\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),\n"
    "  name TEXT,\n"
    "  traceable INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY (id, version, sha256),\n"
    "  FOREIGN KEY (id, version) REFERENCES factor_version (id, version) ON DELETE CASCADE\n"
    ");\n"
    "CREATE TABLE factor_event (\n"
    "  seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  from_status TEXT,\n"
    "  to_status TEXT NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  at TEXT NOT NULL,\n"
    "  reason TEXT\n"
    ");\n"
    "CREATE INDEX factor_event_ref ON factor_event (id, version);\n"
    /* pg_trgm (trusted since PostgreSQL 13) makes ILIKE '%x%' searches use an
     * index; without it the searches still work, by scanning. */
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
    "EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm not available'; END $$;\n"
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN\n"
    "  EXECUTE 'CREATE INDEX factor_version_search ON factor_version USING gin (search_text gin_trgm_ops)';\n"
    "END IF; END $$;\n"
    "CREATE FUNCTION factor_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  IF TG_OP = 'DELETE' THEN\n"
    "    IF old.status IN ('published','superseded','withdrawn') THEN\n"
    "      RAISE EXCEPTION 'published factor versions are immutable';\n"
    "    END IF;\n"
    "    RETURN old;\n"
    "  END IF;\n"
    "  IF old.status IN ('published','superseded','withdrawn') AND (\n"
    "    new.value IS DISTINCT FROM old.value OR new.unit IS DISTINCT FROM old.unit OR\n"
    "    new.region IS DISTINCT FROM old.region OR new.ref_year IS DISTINCT FROM old.ref_year OR\n"
    "    new.gases IS DISTINCT FROM old.gases OR new.stages IS DISTINCT FROM old.stages OR\n"
    "    new.name_zh IS DISTINCT FROM old.name_zh OR new.name_en IS DISTINCT FROM old.name_en OR\n"
    "    new.source_doc IS DISTINCT FROM old.source_doc OR new.id IS DISTINCT FROM old.id OR\n"
    "    new.version IS DISTINCT FROM old.version) THEN\n"
    "    RAISE EXCEPTION 'published factor versions are immutable';\n"
    "  END IF;\n"
    "  RETURN new;\n"
    "END $$;\n"
    "CREATE TRIGGER factor_version_guard BEFORE UPDATE OR DELETE ON factor_version\n"
    "  FOR EACH ROW EXECUTE FUNCTION factor_version_guard();\n";

/* ---- openLCA inventory data (tanji import olca; store/olca_sql.c) ----
 * Keyed by openLCA UUIDs so that importing the same data again replaces rows.
 * Exchange amounts are in the reference unit of the flow's reference flow
 * property (see docs/olca-import.md). */
#define OLCA_TABLES(STRICT, REAL)                                                          \
    "CREATE TABLE olca_unit_group (id TEXT PRIMARY KEY, name TEXT NOT NULL, ref_unit TEXT)" STRICT ";\n" \
    "CREATE TABLE olca_unit (unit_group TEXT NOT NULL, idx INTEGER NOT NULL, id TEXT, name TEXT NOT NULL,\n" \
    "  factor " REAL " NOT NULL, is_ref INTEGER NOT NULL, PRIMARY KEY (unit_group, idx))" STRICT ";\n" \
    "CREATE TABLE olca_flow_property (id TEXT PRIMARY KEY, name TEXT NOT NULL, unit_group TEXT)" STRICT ";\n" \
    "CREATE TABLE olca_flow (id TEXT PRIMARY KEY, name TEXT NOT NULL,\n" \
    "  flow_type TEXT NOT NULL CHECK (flow_type IN ('ELEMENTARY_FLOW','PRODUCT_FLOW','WASTE_FLOW')),\n" \
    "  category TEXT, cas TEXT, formula TEXT, location TEXT, ref_property TEXT, ref_unit TEXT)" STRICT ";\n" \
    "CREATE TABLE olca_flow_factor (flow TEXT NOT NULL, property TEXT NOT NULL, factor " REAL " NOT NULL,\n" \
    "  is_ref INTEGER NOT NULL, PRIMARY KEY (flow, property))" STRICT ";\n" \
    "CREATE TABLE olca_process (id TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT, location TEXT,\n" \
    "  default_allocation TEXT NOT NULL DEFAULT 'none')" STRICT ";\n" \
    "CREATE TABLE olca_exchange (process TEXT NOT NULL, idx INTEGER NOT NULL, flow TEXT NOT NULL,\n" \
    "  is_input INTEGER NOT NULL, avoided INTEGER NOT NULL, is_qref INTEGER NOT NULL,\n" \
    "  amount " REAL " NOT NULL, provider TEXT, PRIMARY KEY (process, idx))" STRICT ";\n" \
    "CREATE INDEX olca_exchange_flow ON olca_exchange (flow);\n" \
    "CREATE TABLE olca_allocation (process TEXT NOT NULL, idx INTEGER NOT NULL,\n" \
    "  method TEXT NOT NULL CHECK (method IN ('physical','economic','causal')),\n" \
    "  product TEXT, exchange_flow TEXT, value " REAL " NOT NULL, PRIMARY KEY (process, idx))" STRICT ";\n" \
    "CREATE TABLE olca_location (id TEXT PRIMARY KEY, name TEXT NOT NULL, code TEXT)" STRICT ";\n" \
    "CREATE TABLE olca_source (id TEXT PRIMARY KEY, name TEXT NOT NULL, code TEXT)" STRICT ";\n" \
    "CREATE TABLE olca_actor (id TEXT PRIMARY KEY, name TEXT NOT NULL, code TEXT)" STRICT ";\n"
static const char olca_sqlite[] = OLCA_TABLES(" STRICT", "REAL");
static const char olca_postgres[] = OLCA_TABLES("", "DOUBLE PRECISION");

/* ---- 3: a GLOBAL region above CN, for international defaults (IPCC) -----
 * Resolution walks ... > CN > GLOBAL.  SQLite cannot change a CHECK, so the
 * region table is rebuilt. */
static const char global_region_sqlite[] =
    "CREATE TABLE region_new (\n"
    "  code TEXT PRIMARY KEY,\n"
    "  level TEXT NOT NULL CHECK (level IN ('global','national','grid','province','city')),\n"
    "  parent TEXT REFERENCES region_new(code),\n"
    "  name_zh TEXT NOT NULL,\n"
    "  name_en TEXT NOT NULL\n"
    ") STRICT;\n"
    "INSERT INTO region_new (code, level, parent, name_zh, name_en) VALUES ('GLOBAL','global',NULL,'全球','Global');\n"
    "INSERT INTO region_new (code, level, parent, name_zh, name_en)\n"
    "  SELECT code, level, CASE WHEN code = 'CN' THEN 'GLOBAL' ELSE parent END, name_zh, name_en FROM region\n"
    "  ORDER BY CASE level WHEN 'national' THEN 0 WHEN 'grid' THEN 1 ELSE 2 END;\n"
    "DROP TABLE region;\n"
    "ALTER TABLE region_new RENAME TO region;\n";
static const char global_region_postgres[] =
    "ALTER TABLE region DROP CONSTRAINT region_level_check;\n"
    "ALTER TABLE region ADD CONSTRAINT region_level_check\n"
    "  CHECK (level IN ('global','national','grid','province','city'));\n"
    "INSERT INTO region (code, level, parent, name_zh, name_en) VALUES ('GLOBAL','global',NULL,'全球','Global');\n"
    "UPDATE region SET parent = 'GLOBAL' WHERE code = 'CN';\n";

/* ---- 4: uncertainty of openLCA exchanges (reference units; see
 * docs/olca-import.md).  dist_kind: lognormal (a = median = amount, b = geometric sd),
 * normal (a = mean, b = sd), triangular (a min, b mode, c max), uniform (a min, b max). */
#define OLCA_DIST_COLUMNS(REAL)                                                                    \
    "ALTER TABLE olca_exchange ADD COLUMN dist_kind TEXT;\n"                                       \
    "ALTER TABLE olca_exchange ADD COLUMN dist_a " REAL ";\n"                                      \
    "ALTER TABLE olca_exchange ADD COLUMN dist_b " REAL ";\n"                                      \
    "ALTER TABLE olca_exchange ADD COLUMN dist_c " REAL ";\n"
static const char olca_dist_sqlite[] = OLCA_DIST_COLUMNS("REAL");
static const char olca_dist_postgres[] = OLCA_DIST_COLUMNS("DOUBLE PRECISION");
/* ---- 5: faster bulk imports and resolution ------------------------------
 * SQLite: the FTS index is filled by the factor service (one INSERT ...
 * SELECT per import) instead of a per-row trigger, whose statement savepoints
 * made FTS5 flush a segment for every row.  Both: factor_name carries the
 * region, so resolution looks up (name, region) directly; its (id, version)
 * index goes (versions are never deleted, so the foreign key never needs it).
 * Filtering by category, year and status uses one index. */
static const char factor_perf_sqlite[] =
    "DROP TRIGGER factor_fts_ai;\n"
    "ALTER TABLE factor_name ADD COLUMN region TEXT;\n"
    "UPDATE factor_name SET region = (SELECT fv.region FROM factor_version fv\n"
    "  WHERE fv.id = factor_name.id AND fv.version = factor_name.version);\n"
    "DROP INDEX factor_name_norm;\n"
    "DROP INDEX factor_name_ref;\n"
    "CREATE INDEX factor_name_norm ON factor_name (name_norm, region);\n"
    "DROP INDEX factor_version_category;\n"
    "CREATE INDEX factor_version_category ON factor_version (category, ref_year, status);\n";
static const char factor_perf_postgres[] =
    "ALTER TABLE factor_name ADD COLUMN region TEXT;\n"
    "UPDATE factor_name SET region = fv.region FROM factor_version fv\n"
    "  WHERE fv.id = factor_name.id AND fv.version = factor_name.version;\n"
    "DROP INDEX factor_name_norm;\n"
    "DROP INDEX factor_name_ref;\n"
    "CREATE INDEX factor_name_norm ON factor_name (name_norm, region);\n"
    "DROP INDEX factor_version_category;\n"
    "CREATE INDEX factor_version_category ON factor_version (category, ref_year, status);\n";

/* ---- 6: faster factor search ---------------------------------------------
 * search_text is kept in ASCII lower case (PostgreSQL matches it with LIKE,
 * not ILIKE, which lowercases every row it tests); PostgreSQL gets a ref_year
 * index so that a trigram bitmap can intersect a year filter.  (SQLite's
 * lower() is ASCII-only, like the service; the FTS update trigger re-indexes.) */
static const char factor_search_sqlite[] = "UPDATE factor_version SET search_text = lower(search_text);\n";
static const char factor_search_postgres[] =
    "UPDATE factor_version SET search_text = translate(search_text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',\n"
    "  'abcdefghijklmnopqrstuvwxyz');\n"
    "CREATE INDEX factor_version_year ON factor_version (ref_year);\n";

/* ---- 7: no foreign key on factor_name (PostgreSQL) ------------------------
 * factor_name is an index the factor service derives from factor_version in
 * the same transaction, and versions are never deleted; on PostgreSQL the
 * per-row foreign key check cost more than the insert itself in bulk imports.
 * (SQLite keeps it: dropping a constraint there means rebuilding the table,
 * and its check is a cheap index probe.) */
static const char factor_name_fk_sqlite[] = "SELECT 1;\n";
static const char factor_name_fk_postgres[] =
    "ALTER TABLE factor_name DROP CONSTRAINT IF EXISTS factor_name_id_version_fkey;\n";

/* ---- 8: factor search keys (PostgreSQL) -----------------------------------
 * search_keys holds the character 4-grams and non-ASCII bigrams of every white-space
 * separated token of search_text and the lexemes 'y YEAR', 'r REGION' and
 * 'c CATEGORY' (the factor service writes it; see
 * factor_sql_search_keys in store/factor_sql.c, which this UPDATE mirrors for
 * existing rows).  Searches intersect exact posting lists of a GIN index on
 * it where pg_trgm rechecked thousands of rows; the trigram index goes
 * (nothing else uses it, and it cost import time). */
static const char factor_keys_sqlite[] = "SELECT 1;\n";
static const char factor_keys_postgres[] =
    "ALTER TABLE factor_version ADD COLUMN search_keys tsvector;\n"
    "UPDATE factor_version SET search_keys = CASE WHEN octet_length(search_text) > 4096 THEN $$' '$$::tsvector\n"
    "  ELSE (SELECT COALESCE(array_to_tsvector(array_agg(DISTINCT substr(tok, i, g))), ''::tsvector)\n"
    "        FROM regexp_split_to_table(search_text, '[ \\t\\r\\n,]+') tok, (VALUES (2), (4)) n (g),\n"
    "             generate_series(1, char_length(tok) - g + 1) i\n"
    "        WHERE g = 4 OR octet_length(substr(tok, i, g)) > 2)\n"
    "    || array_to_tsvector(array_remove(ARRAY[\n"
    "         CASE WHEN ref_year > 0 THEN 'y ' || ref_year END,\n"
    "         CASE WHEN region <> '' AND octet_length(region) <= 200 THEN 'r ' || region END,\n"
    "         CASE WHEN category <> '' AND octet_length(category) <= 200 THEN 'c ' || category END], NULL)) END;\n"
    "ALTER TABLE factor_version ALTER COLUMN search_keys SET NOT NULL;\n"
    "CREATE INDEX factor_version_keys ON factor_version USING gin (search_keys);\n"
    "DROP INDEX IF EXISTS factor_version_search;\n";

/* ---- 9: current versions ------------------------------------------------
 * factor_name lists the names of published versions only (resolution reads
 * nothing else; the factor service adds names on publishing and removes them
 * on superseding or withdrawing), with the reference year and source date
 * that resolution ranks by (a published version never changes, so the copy
 * cannot go stale): resolution reads the one factor_version row it chose.
 * Searches cover current versions (all but superseded ones) unless asked
 * for history, so PostgreSQL's search_keys GIN
 * index covers those rows only: a quarter of the posting lists and of the
 * index work on imports when factors have several versions.  A partial
 * index on rid lists the current versions in the order searches return
 * them, so a search with many matches walks current rows only.  On
 * PostgreSQL the ref_year, category and region btrees go: searches of
 * current versions take those filters from search_keys ('y 2020', 'c
 * metals', 'r 530000'), history searches walk; they cost import time.
 * Versions stored as superseded get an empty search_keys (the factor
 * service; existing rows keep theirs).  SQLite's FTS index likewise holds
 * current versions only, and search_text there ends with filter tokens for
 * the reference year, region and category (store_fts_token), so that the
 * FTS index serves those filters and their btrees go too. */
static const char current_sqlite[] =
    "DELETE FROM factor_name WHERE NOT EXISTS (SELECT 1 FROM factor_version fv\n"
    "  WHERE fv.id = factor_name.id AND fv.version = factor_name.version AND fv.status = 'published');\n"
    "ALTER TABLE factor_name ADD COLUMN ref_year INTEGER;\n"
    "ALTER TABLE factor_name ADD COLUMN source_date TEXT;\n"
    "UPDATE factor_name SET\n"
    "  ref_year = (SELECT fv.ref_year FROM factor_version fv WHERE fv.id = factor_name.id AND fv.version = factor_name.version),\n"
    "  source_date = (SELECT fv.source_date FROM factor_version fv WHERE fv.id = factor_name.id AND fv.version = factor_name.version);\n"
    "CREATE INDEX factor_version_current ON factor_version (rid) WHERE status <> 'superseded';\n"
    /* the FTS index holds current versions: filled by the factor service,
     * left by a version when it is superseded (superseded is final) */
    "INSERT INTO factor_fts (factor_fts, rowid, search_text)\n"
    "  SELECT 'delete', rid, search_text FROM factor_version WHERE status = 'superseded';\n"
    /* one update trigger for both ways out of the index (superseded, or a
     * new text), so that an update doing both deletes once */
    "DROP TRIGGER factor_fts_au;\n"
    "CREATE TRIGGER factor_fts_au AFTER UPDATE ON factor_version WHEN old.status <> 'superseded' AND\n"
    "  (new.status = 'superseded' OR new.search_text IS NOT old.search_text) BEGIN\n"
    "  INSERT INTO factor_fts (factor_fts, rowid, search_text) VALUES ('delete', old.rid, old.search_text);\n"
    "  INSERT INTO factor_fts (rowid, search_text) SELECT new.rid, new.search_text WHERE new.status <> 'superseded';\n"
    "END;\n"
    "DROP TRIGGER factor_fts_ad;\n"
    "CREATE TRIGGER factor_fts_ad AFTER DELETE ON factor_version WHEN old.status <> 'superseded' BEGIN\n"
    "  INSERT INTO factor_fts (factor_fts, rowid, search_text) VALUES ('delete', old.rid, old.search_text);\n"
    "END;\n"
    /* the filter tokens (store_fts_token) in search_text; the trigger
     * above re-indexes the current versions */
    "UPDATE factor_version SET search_text = search_text\n"
    "  || CASE WHEN ref_year > 0 THEN ' ' || tj_fts_token('y', ref_year) ELSE '' END\n"
    "  || CASE WHEN region <> '' THEN ' ' || tj_fts_token('r', region) ELSE '' END\n"
    "  || CASE WHEN category <> '' THEN ' ' || tj_fts_token('c', category) ELSE '' END;\n"
    "DROP INDEX factor_version_category;\n"
    "DROP INDEX factor_version_region;\n";
static const char current_postgres[] =
    "DELETE FROM factor_name WHERE NOT EXISTS (SELECT 1 FROM factor_version fv\n"
    "  WHERE fv.id = factor_name.id AND fv.version = factor_name.version AND fv.status = 'published');\n"
    "ALTER TABLE factor_name ADD COLUMN ref_year INTEGER, ADD COLUMN source_date TEXT;\n"
    "UPDATE factor_name n SET ref_year = fv.ref_year, source_date = fv.source_date FROM factor_version fv\n"
    "  WHERE fv.id = n.id AND fv.version = n.version;\n"
    "DROP INDEX factor_version_keys;\n"
    "CREATE INDEX factor_version_keys ON factor_version USING gin (search_keys) WHERE status <> 'superseded';\n"
    "CREATE INDEX factor_version_current ON factor_version (rid) WHERE status <> 'superseded';\n"
    "DROP INDEX factor_version_year;\n"
    "DROP INDEX factor_version_category;\n"
    "DROP INDEX factor_version_region;\n";

/* ---- 10: the ledger ------------------------------------------------------
 * ledger_entry: one row per entry, in leaf order (idx from 0, dense).  body
 *   is the leaf data (canonical JSON, RFC 8785); the columns beside it
 *   repeat what it holds, for lookups by object.
 * ledger_node: the hash (hex) of every complete subtree of the Merkle tree
 *   (RFC 6962), written as leaves arrive: node = level * 2^40 + index, the
 *   subtree of leaves [index * 2^level, (index + 1) * 2^level); level 0 are
 *   the leaf hashes.  Proofs and tree heads read O(log n) of them.
 * ledger_head: signed tree heads (Ed25519 over the canonical JSON of
 *   {root_hash, signed_at, tree_size, type}), seq from 0 in signing order. */
#define LEDGER_TABLES(INT_T, TEXT_T) \
    "CREATE TABLE ledger_entry (\n" \
    "  idx " INT_T " PRIMARY KEY,\n" \
    "  at TEXT NOT NULL,\n" \
    "  kind TEXT NOT NULL,\n" \
    "  object_type TEXT NOT NULL,\n" \
    "  object_id TEXT NOT NULL,\n" \
    "  actor TEXT NOT NULL,\n" \
    "  org TEXT,\n" \
    "  state_digest TEXT,\n" \
    "  body TEXT NOT NULL)" TEXT_T ";\n" \
    "CREATE INDEX ledger_entry_object ON ledger_entry (object_type, object_id, idx);\n" \
    "CREATE TABLE ledger_node (\n" \
    "  node " INT_T " PRIMARY KEY,\n" \
    "  hash TEXT NOT NULL)" TEXT_T ";\n" \
    "CREATE TABLE ledger_head (\n" \
    "  seq " INT_T " PRIMARY KEY,\n" \
    "  tree_size " INT_T " NOT NULL,\n" \
    "  root_hash TEXT NOT NULL,\n" \
    "  signed_at TEXT NOT NULL,\n" \
    "  public_key TEXT NOT NULL,\n" \
    "  signature TEXT NOT NULL)" TEXT_T ";\n"
static const char ledger_sqlite[] = LEDGER_TABLES("INTEGER", " STRICT");
static const char ledger_postgres[] = LEDGER_TABLES("BIGINT", "");

/* ---- 11: organisations and principals --------------------------------------
 * Every database has the operator organisation; records that belong to
 * someone name their owner organisation (factor versions: the organisation
 * that added them; existing ones the operator's). */
#define ACCOUNT_TABLES(STRICT) \
    "CREATE TABLE organisation (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  name TEXT NOT NULL UNIQUE,\n" \
    "  kind TEXT NOT NULL CHECK (kind IN ('operator', 'enterprise', 'submitter', 'expert_panel',\n" \
    "    'certification_body', 'regulator')),\n" \
    "  region TEXT,\n" \
    "  created_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE principal (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  kind TEXT NOT NULL CHECK (kind IN ('user', 'client')),\n" \
    "  name TEXT NOT NULL UNIQUE,\n" \
    "  org_id TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  roles TEXT NOT NULL,\n" \
    "  secret_hash TEXT,\n" \
    "  disabled INTEGER NOT NULL DEFAULT 0,\n" \
    "  created_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX principal_org ON principal (org_id);\n" \
    "INSERT INTO organisation (id, name, kind, region, created_at) VALUES\n" \
    "  ('operator', 'platform operator / 平台运营方', 'operator', NULL, '1970-01-01T00:00:00Z');\n" \
    "ALTER TABLE factor_version ADD COLUMN owner_org TEXT NOT NULL DEFAULT 'operator';\n"
static const char accounts_sqlite[] = ACCOUNT_TABLES(" STRICT");
static const char accounts_postgres[] = ACCOUNT_TABLES("");

/* ---- 12: footprints as records ---------------------------------------------
 * A saved footprint never changes (a trigger refuses updates); a
 * recalculation is a new row that names the one it replaces, and a
 * footprint is replaced at most once, so versions form a chain. */
#define FOOTPRINT_TABLE(STRICT, REAL_T) \
    "CREATE TABLE footprint (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  product TEXT NOT NULL,\n" \
    "  amount " REAL_T " NOT NULL,\n" \
    "  unit TEXT NOT NULL,\n" \
    "  total " REAL_T " NOT NULL,\n" \
    "  gwp TEXT NOT NULL,\n" \
    "  inputs_digest TEXT NOT NULL,\n" \
    "  rule_id TEXT,\n" \
    "  check_status TEXT NOT NULL CHECK (check_status IN ('not_checked', 'conforming', 'nonconforming')),\n" \
    "  factors TEXT NOT NULL,\n" \
    "  replaces TEXT UNIQUE REFERENCES footprint (id),\n" \
    "  result TEXT NOT NULL,\n" \
    "  model TEXT NOT NULL,\n" \
    "  digest TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX footprint_owner ON footprint (owner_org, created_at);\n"
static const char footprint_sqlite[] =
    FOOTPRINT_TABLE(" STRICT", "REAL")
    "CREATE TRIGGER footprint_immutable BEFORE UPDATE ON footprint BEGIN\n"
    "  SELECT RAISE(ABORT, 'a saved footprint never changes');\n"
    "END;\n";
static const char footprint_postgres[] =
    FOOTPRINT_TABLE("", "DOUBLE PRECISION")
    "CREATE FUNCTION footprint_immutable() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN RAISE EXCEPTION 'a saved footprint never changes'; END $$;\n"
    "CREATE TRIGGER footprint_immutable BEFORE UPDATE ON footprint\n"
    "  FOR EACH ROW EXECUTE FUNCTION footprint_immutable();\n";

/* ---- 14: certification, labels, grading, disclosure -------------------------
 * The three institutions (docs/certification.md).  cert_body: organisations
 * of kind certification_body registered by a regulator, with their scope
 * (cert_scope: catalogue categories) and Ed25519 public keys (cert_key; a
 * retired key still verifies the labels it signed, a revoked one does not).
 * cert_catalogue: the certification catalogue (认证目录), one row per
 * product category, linked to its rule.  cert_application and cert_step: the
 * certification workflow and its history; cert_document holds evidence by
 * SHA-256 (base64 text, so both backends store it alike) and cert_evidence
 * ties a document to an application and the state it was added in.
 * label: issued labels with their signed document (canonical JSON) and the
 * ledger index of the issue entry; label_seq allocates the sequence of a
 * number prefix (CN-<province>-<year>) with one upsert, so concurrent
 * writers never share a number.  label_surveillance, label_grade (grade
 * history), grade_benchmark (grading configuration per category, versioned),
 * dishonest_entity (失信名单), disclosure (footprints published). */
#define INSTITUTION_TABLES(STRICT, REAL_T, INT_T) \
    "CREATE TABLE cert_body (\n" \
    "  org_id TEXT PRIMARY KEY REFERENCES organisation (id),\n" \
    "  accreditation TEXT,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),\n" \
    "  registered_by TEXT NOT NULL,\n" \
    "  registered_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE cert_scope (\n" \
    "  org_id TEXT NOT NULL REFERENCES cert_body (org_id),\n" \
    "  category TEXT NOT NULL,\n" \
    "  PRIMARY KEY (org_id, category))" STRICT ";\n" \
    "CREATE TABLE cert_key (\n" \
    "  key_id TEXT PRIMARY KEY,\n" \
    "  org_id TEXT NOT NULL REFERENCES cert_body (org_id),\n" \
    "  public_key TEXT NOT NULL UNIQUE,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),\n" \
    "  added_at TEXT NOT NULL,\n" \
    "  retired_at TEXT,\n" \
    "  revoked_at TEXT,\n" \
    "  revoke_reason TEXT)" STRICT ";\n" \
    "CREATE INDEX cert_key_org ON cert_key (org_id);\n" \
    "CREATE TABLE cert_catalogue (\n" \
    "  category TEXT PRIMARY KEY,\n" \
    "  name_zh TEXT NOT NULL,\n" \
    "  name_en TEXT NOT NULL,\n" \
    "  rule_id TEXT NOT NULL,\n" \
    "  validity_months " INT_T " NOT NULL CHECK (validity_months > 0),\n" \
    "  status TEXT NOT NULL CHECK (status IN ('active', 'removed')),\n" \
    "  source TEXT,\n" \
    "  note TEXT,\n" \
    "  updated_at TEXT NOT NULL,\n" \
    "  updated_by TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE cert_application (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  applicant_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  body_org TEXT NOT NULL REFERENCES cert_body (org_id),\n" \
    "  category TEXT NOT NULL,\n" \
    "  footprint_id TEXT NOT NULL REFERENCES footprint (id),\n" \
    "  status TEXT NOT NULL,\n" \
    "  due_at TEXT,\n" \
    "  label_number TEXT,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  updated_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX cert_application_applicant ON cert_application (applicant_org, created_at);\n" \
    "CREATE INDEX cert_application_body ON cert_application (body_org, created_at);\n" \
    "CREATE TABLE cert_step (\n" \
    "  application_id TEXT NOT NULL REFERENCES cert_application (id),\n" \
    "  seq " INT_T " NOT NULL,\n" \
    "  action TEXT NOT NULL,\n" \
    "  from_state TEXT,\n" \
    "  to_state TEXT NOT NULL,\n" \
    "  actor TEXT NOT NULL,\n" \
    "  org TEXT,\n" \
    "  at TEXT NOT NULL,\n" \
    "  comment TEXT,\n" \
    "  due_at TEXT,\n" \
    "  footprint_id TEXT,\n" \
    "  PRIMARY KEY (application_id, seq))" STRICT ";\n" \
    "CREATE TABLE cert_document (\n" \
    "  sha256 TEXT PRIMARY KEY,\n" \
    "  media_type TEXT NOT NULL,\n" \
    "  size " INT_T " NOT NULL,\n" \
    "  content TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE cert_evidence (\n" \
    "  application_id TEXT NOT NULL REFERENCES cert_application (id),\n" \
    "  sha256 TEXT NOT NULL REFERENCES cert_document (sha256),\n" \
    "  name TEXT NOT NULL,\n" \
    "  state TEXT NOT NULL,\n" \
    "  added_by TEXT NOT NULL,\n" \
    "  org TEXT NOT NULL,\n" \
    "  added_at TEXT NOT NULL,\n" \
    "  PRIMARY KEY (application_id, sha256, state))" STRICT ";\n" \
    "CREATE TABLE label_seq (\n" \
    "  prefix TEXT PRIMARY KEY,\n" \
    "  last " INT_T " NOT NULL)" STRICT ";\n" \
    "CREATE TABLE label (\n" \
    "  number TEXT PRIMARY KEY,\n" \
    "  certificate TEXT NOT NULL UNIQUE,\n" \
    "  application_id TEXT UNIQUE,\n" \
    "  holder_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  body_org TEXT NOT NULL,\n" \
    "  category TEXT NOT NULL,\n" \
    "  product TEXT NOT NULL,\n" \
    "  region TEXT NOT NULL,\n" \
    "  year " INT_T " NOT NULL,\n" \
    "  value " REAL_T " NOT NULL,\n" \
    "  unit TEXT NOT NULL,\n" \
    "  footprint_id TEXT NOT NULL,\n" \
    "  grade " INT_T ",\n" \
    "  grade_version " INT_T ",\n" \
    "  status TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked', 'withdrawn', 'expired')),\n" \
    "  status_reason TEXT,\n" \
    "  issued_at TEXT NOT NULL,\n" \
    "  valid_until TEXT NOT NULL,\n" \
    "  key_id TEXT NOT NULL,\n" \
    "  document TEXT NOT NULL,\n" \
    "  ledger_index " INT_T " NOT NULL,\n" \
    "  updated_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX label_category ON label (category, status, number);\n" \
    "CREATE INDEX label_category_number ON label (category, number);\n" \
    "CREATE INDEX label_holder ON label (holder_org, issued_at);\n" \
    "CREATE INDEX label_region ON label (region, number);\n" \
    "CREATE INDEX label_due ON label (status, valid_until);\n" \
    "CREATE INDEX label_product ON label (product);\n" \
    "CREATE TABLE label_surveillance (\n" \
    "  number TEXT NOT NULL REFERENCES label (number),\n" \
    "  seq " INT_T " NOT NULL,\n" \
    "  due_at TEXT NOT NULL,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('scheduled', 'passed', 'failed', 'missed')),\n" \
    "  result TEXT,\n" \
    "  recorded_at TEXT,\n" \
    "  recorded_by TEXT,\n" \
    "  PRIMARY KEY (number, seq))" STRICT ";\n" \
    "CREATE INDEX label_surveillance_due ON label_surveillance (status, due_at);\n" \
    "CREATE TABLE label_grade (\n" \
    "  number TEXT NOT NULL REFERENCES label (number),\n" \
    "  seq " INT_T " NOT NULL,\n" \
    "  grade " INT_T ",\n" \
    "  grade_version " INT_T ",\n" \
    "  reason TEXT,\n" \
    "  at TEXT NOT NULL,\n" \
    "  PRIMARY KEY (number, seq))" STRICT ";\n" \
    "CREATE TABLE grade_benchmark (\n" \
    "  category TEXT NOT NULL,\n" \
    "  version " INT_T " NOT NULL,\n" \
    "  method TEXT NOT NULL CHECK (method IN ('thresholds', 'percentile')),\n" \
    "  grades " INT_T " NOT NULL CHECK (grades BETWEEN 2 AND 10),\n" \
    "  min_sample " INT_T " NOT NULL,\n" \
    "  thresholds TEXT,\n" \
    "  sample " INT_T ",\n" \
    "  note TEXT,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  PRIMARY KEY (category, version))" STRICT ";\n" \
    "CREATE TABLE dishonest_entity (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  org_id TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  reason TEXT NOT NULL,\n" \
    "  legal_basis TEXT NOT NULL,\n" \
    "  listed_from TEXT NOT NULL,\n" \
    "  listed_until TEXT,\n" \
    "  listed_by TEXT NOT NULL,\n" \
    "  removed_at TEXT,\n" \
    "  removed_reason TEXT)" STRICT ";\n" \
    "CREATE INDEX dishonest_entity_org ON dishonest_entity (org_id);\n" \
    "CREATE TABLE disclosure (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  footprint_id TEXT NOT NULL REFERENCES footprint (id),\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  scope TEXT NOT NULL CHECK (scope IN ('public', 'partners', 'private')),\n" \
    "  partners TEXT NOT NULL,\n" \
    "  fields TEXT NOT NULL,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('published', 'withdrawn')),\n" \
    "  published_at TEXT NOT NULL,\n" \
    "  withdrawn_at TEXT,\n" \
    "  withdraw_reason TEXT)" STRICT ";\n" \
    "CREATE INDEX disclosure_owner ON disclosure (owner_org, published_at);\n" \
    "CREATE INDEX disclosure_public ON disclosure (scope, status, published_at);\n"
static const char institutions_sqlite[] = INSTITUTION_TABLES(" STRICT", "REAL", "INTEGER");
static const char institutions_postgres[] = INSTITUTION_TABLES("", "DOUBLE PRECISION", "BIGINT");
/* ---- 13: the server: tokens, models, jobs, footprint publication ----------
 * auth_token: login sessions and API client access tokens; only the SHA-256
 *   of a token is stored.  expires_at in Unix seconds.
 * model: an organisation's models (docs/model-format.md) kept on the
 *   platform; revision counts updates.
 * job: calculations run by a server node: queued -> running -> done |
 *   failed | cancelled; a node claims a queued job (PostgreSQL: FOR UPDATE
 *   SKIP LOCKED, so one node only).
 * footprint_publication: footprints their owner made public (readable
 *   without an account). */
#define SERVER_TABLES(STRICT, REAL_T, INT_T) \
    "CREATE TABLE auth_token (\n" \
    "  token_hash TEXT PRIMARY KEY,\n" \
    "  principal_id TEXT NOT NULL REFERENCES principal (id),\n" \
    "  kind TEXT NOT NULL CHECK (kind IN ('session', 'client')),\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  expires_at " INT_T " NOT NULL,\n" \
    "  revoked INTEGER NOT NULL DEFAULT 0)" STRICT ";\n" \
    "CREATE INDEX auth_token_principal ON auth_token (principal_id);\n" \
    "CREATE TABLE model (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  name TEXT NOT NULL,\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  updated_at TEXT NOT NULL,\n" \
    "  revision INTEGER NOT NULL,\n" \
    "  body TEXT NOT NULL,\n" \
    "  digest TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX model_owner ON model (owner_org, updated_at);\n" \
    "CREATE TABLE job (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  kind TEXT NOT NULL,\n" \
    "  params TEXT NOT NULL,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),\n" \
    "  progress " REAL_T " NOT NULL DEFAULT 0,\n" \
    "  cancel INTEGER NOT NULL DEFAULT 0,\n" \
    "  node TEXT,\n" \
    "  started_at TEXT,\n" \
    "  finished_at TEXT,\n" \
    "  result TEXT,\n" \
    "  error TEXT)" STRICT ";\n" \
    "CREATE INDEX job_queue ON job (status, created_at);\n" \
    "CREATE INDEX job_owner ON job (owner_org, created_at);\n" \
    "CREATE TABLE footprint_publication (\n" \
    "  footprint_id TEXT PRIMARY KEY REFERENCES footprint (id),\n" \
    "  published_by TEXT NOT NULL,\n" \
    "  published_at TEXT NOT NULL)" STRICT ";\n"
static const char server_sqlite[] = SERVER_TABLES(" STRICT", "REAL", "INTEGER");
static const char server_postgres[] = SERVER_TABLES("", "DOUBLE PRECISION", "BIGINT");

/* The list.  Append new entries at the end (next version number). */
const store_migration store_migrations[] = {
    {1, "factor database", factors_sqlite, factors_postgres},
    {2, "openLCA inventory data", olca_sqlite, olca_postgres},
    {3, "global region", global_region_sqlite, global_region_postgres},
    {4, "openLCA exchange uncertainty", olca_dist_sqlite, olca_dist_postgres},
    {5, "factor import and resolution performance", factor_perf_sqlite, factor_perf_postgres},
    {6, "factor search performance", factor_search_sqlite, factor_search_postgres},
    {7, "factor_name without foreign key (PostgreSQL)", factor_name_fk_sqlite, factor_name_fk_postgres},
    {8, "factor search keys (PostgreSQL)", factor_keys_sqlite, factor_keys_postgres},
    {9, "current versions: published names, search index", current_sqlite, current_postgres},
    {10, "the ledger", ledger_sqlite, ledger_postgres},
    {11, "organisations and principals", accounts_sqlite, accounts_postgres},
    {12, "footprints as records", footprint_sqlite, footprint_postgres},
    {13, "server: tokens, models, jobs, publication", server_sqlite, server_postgres},
    {14, "certification, labels, grading, disclosure", institutions_sqlite, institutions_postgres},
    {15, "publication is public disclosure", publication_disclosure_sqlite, publication_disclosure_postgres},
    {16, "failed-login counters shared by nodes", login_limit_sqlite, login_limit_postgres},
    {17, "PACT exchange", pact_sqlite, pact_postgres},
    {18, "saved declarations (battery, CBAM)", declare_sqlite, declare_postgres},
    {19, "application scenarios: procurement, finance, carbon inclusion, parks", apps_sqlite, apps_postgres},
    {20, "federation: peers, imported entries and objects, recognition", federation_sqlite, federation_postgres},
    {21, "PACT footprints in procurement offers", apps2_sqlite, apps2_postgres},
    {22, "scheduled PACT pulls", pact_sub_sqlite, pact_sub_postgres},
    {24, "PACT API clients of partners", pactclients_sqlite, pactclients_postgres},
    {26, "registry comparison: valid labels of a category by value", compare_sqlite, compare_postgres},
    {27, "factor search index without positions (SQLite FTS5 detail=none)", import7_sqlite, import7_postgres},
    {28, "ledger nodes of levels 1 to 4 computed from the leaves, not stored", import8_sqlite, import8_postgres},
};
const size_t store_migration_count = sizeof store_migrations / sizeof store_migrations[0];

int store_schema_latest(void)
{
    return store_migration_count ? store_migrations[store_migration_count - 1].version : 0;
}

/* Is migration `version` recorded? */
static tj_status is_applied(store_db *db, int version, int *out, tj_error *err)
{
    store_stmt *st = NULL;
    *out = 0;
    tj_status rc = store_prepare(db, "SELECT count(*) FROM schema_migrations WHERE version = ?", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_int64(st, 1, version);
    int r = store_step(st, err);
    if (r == 1)
        *out = store_col_int64(st, 0) > 0;
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* The schema version: the newest recorded migration, or, when a known
 * migration below it is missing (migrations developed side by side and
 * numbered apart), the one before the first missing one, so that the
 * database counts as behind and `tanji migrate` applies what is missing. */
static tj_status read_version(store_db *db, int *out, tj_error *err)
{
    store_stmt *st = NULL;
    *out = 0;
    tj_status rc = store_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st, err);
    if (rc != TJ_OK)
        return rc;
    int r = store_step(st, err);
    if (r == 1)
        *out = (int)store_col_int64(st, 0);
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    for (size_t i = 0; i < store_migration_count && store_migrations[i].version < *out; i++) {
        int applied;
        if ((rc = is_applied(db, store_migrations[i].version, &applied, err)) != TJ_OK)
            return rc;
        if (!applied) {
            *out = i ? store_migrations[i - 1].version : 0;
            break;
        }
    }
    return TJ_OK;
}

tj_status store_schema_version(store_db *db, int *out, tj_error *err) { return read_version(db, out, err); }

tj_status store_migrate(store_db *db, tj_error *err)
{
    for (size_t i = 1; i < store_migration_count; i++)
        if (store_migrations[i].version <= store_migrations[i - 1].version)
            return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "migration %d is out of order",
                                store_migrations[i].version);
    tj_status rc;
    if (store_backend(db) == STORE_SQLITE) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_SQLITE_APPLICATION_ID);
        if ((rc = store_exec(db, sql, err)) != TJ_OK)
            return rc;
    }
    rc = store_exec(db,
                              "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                              "name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                              err);
    if (rc != TJ_OK)
        return rc;
    int current = 0;
    if ((rc = read_version(db, &current, err)) != TJ_OK)
        return rc;
    if (current > store_schema_latest())
        return tj_error_set(err, TJ_ERR_DB, "db",
                            "the database has schema version %d, newer than this tanji knows (%d)", current,
                            store_schema_latest());
    for (size_t i = 0; i < store_migration_count; i++) {
        const store_migration *m = &store_migrations[i];
        if (m->version <= current)
            continue;
        if ((rc = store_begin(db, err)) != TJ_OK)
            return rc;
        /* Another process may be migrating too: serialize and re-check. */
        if (store_backend(db) == STORE_POSTGRES &&
            (rc = store_exec(db, "SELECT pg_advisory_xact_lock(74696)", err)) != TJ_OK)
            goto fail;
        int applied = 0;
        if ((rc = is_applied(db, m->version, &applied, err)) != TJ_OK)
            goto fail;
        if (applied) {
            store_rollback(db);
            continue;
        }
        rc = store_exec(db, store_backend(db) == STORE_SQLITE ? m->sqlite_sql : m->postgres_sql, err);
        if (rc != TJ_OK) {
            tj_error_prefix(err, "migration %d (%s)", m->version, m->name);
            goto fail;
        }
        store_stmt *st = NULL;
        rc = store_prepare(db,
                           store_backend(db) == STORE_SQLITE
                               ? "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                                 "(?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
                               : "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                                 "(?, ?, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
                           &st, err);
        if (rc != TJ_OK)
            goto fail;
        store_bind_int64(st, 1, m->version);
        store_bind_text(st, 2, m->name);
        int r = store_step(st, err);
        store_finalize(st);
        if (r < 0) {
            rc = (tj_status)r;
            goto fail;
        }
        if ((rc = store_commit(db, err)) != TJ_OK)
            return rc;
    }
    return TJ_OK;
fail:
    store_rollback(db);
    return rc;
}
