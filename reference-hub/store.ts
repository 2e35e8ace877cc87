import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

// The hub's store: one SQLite file per hub instance (WAL mode). The store is the truth: every
// state change and its log entries are written in one transaction, scheduling (next delivery
// attempt, pull-window end, purge time) lives in columns, so a hub killed at any point resumes
// from the file. synchronous=NORMAL in WAL mode survives a process crash (SIGKILL); only an OS
// crash could lose the last transactions.

export type Db = Database.Database;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS nodes (
  country TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  certificate_pem TEXT NOT NULL,
  delivery TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','revoked')),
  registered_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE IF NOT EXISTS anchors (
  country TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('anchor','intermediate')),
  certificate_pem TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  PRIMARY KEY (country, fingerprint)
);

CREATE TABLE IF NOT EXISTS signers (
  key_id TEXT PRIMARY KEY,
  country TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  label TEXT,
  certificate_pem TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','revoked')),
  registered_at TEXT NOT NULL,
  revoked_at TEXT,
  revocation_reason TEXT
);
CREATE INDEX IF NOT EXISTS signers_country ON signers (country);

CREATE TABLE IF NOT EXISTS exchanges (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  idempotency_scope TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  channel TEXT NOT NULL,
  document_id TEXT NOT NULL,
  document_type TEXT NOT NULL,
  status TEXT NOT NULL,
  envelope TEXT NOT NULL,
  verification TEXT NOT NULL,
  delivery_mode TEXT NOT NULL,
  callback_url TEXT,
  next_attempt_ms INTEGER,
  pull_deadline_ms INTEGER,
  delivered_at TEXT,
  redeliver INTEGER NOT NULL DEFAULT 0,
  decision TEXT,
  doc_sha256 TEXT NOT NULL,
  doc_size INTEGER NOT NULL,
  retain_until_ms INTEGER,
  purged_at TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (sender, idempotency_scope)
);
CREATE INDEX IF NOT EXISTS exchanges_next_attempt ON exchanges (next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS exchanges_pull_deadline ON exchanges (pull_deadline_ms) WHERE pull_deadline_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS exchanges_retain ON exchanges (retain_until_ms) WHERE retain_until_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS exchanges_sender ON exchanges (sender, seq);
CREATE INDEX IF NOT EXISTS exchanges_recipient ON exchanges (recipient, seq);
CREATE INDEX IF NOT EXISTS exchanges_inbox ON exchanges (recipient, status, delivery_mode);

CREATE TABLE IF NOT EXISTS blobs (exchange_id TEXT PRIMARY KEY, pdf BLOB NOT NULL);

CREATE TABLE IF NOT EXISTS timeline (
  exchange_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  at TEXT NOT NULL,
  reason_codes TEXT,
  detail TEXT,
  PRIMARY KEY (exchange_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS attempts (
  exchange_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  duration_ms REAL,
  PRIMARY KEY (exchange_id, attempt)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS documents (
  document_id TEXT PRIMARY KEY,
  issuing_country TEXT NOT NULL,
  document_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  status TEXT NOT NULL,
  key_id TEXT,
  first_seen_at TEXT NOT NULL,
  valid_until TEXT
);

CREATE TABLE IF NOT EXISTS logs (
  kind TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  exchange_id TEXT,
  parties TEXT NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (kind, seq)
) WITHOUT ROWID;
`;

export function openStore(dataDir: string, fileName = 'hub.sqlite'): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Bounded page cache (2 MB) keeps memory flat however many exchanges the file holds.
  db.pragma('cache_size = -2000');
  db.exec(SCHEMA);
  const version = db.prepare("SELECT value FROM meta WHERE key = 'schemaVersion'").get() as { value: string } | undefined;
  if (!version) db.prepare("INSERT INTO meta (key, value) VALUES ('schemaVersion', ?)").run(String(SCHEMA_VERSION));
  else if (Number(version.value) !== SCHEMA_VERSION) {
    db.close();
    throw new Error(`the hub store ${path.join(dataDir, fileName)} has schema version ${version.value}; this hub needs ${SCHEMA_VERSION} (use a new --data directory)`);
  }
  return db;
}

export function getMeta(db: Db, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export interface ExchangeRow {
  id: string;
  seq: number;
  sender: string;
  recipient: string;
  idempotency_key: string;
  idempotency_scope: string;
  request_hash: string;
  channel: string;
  document_id: string;
  document_type: string;
  status: string;
  envelope: string;
  verification: string;
  delivery_mode: string;
  callback_url: string | null;
  next_attempt_ms: number | null;
  pull_deadline_ms: number | null;
  delivered_at: string | null;
  redeliver: number;
  decision: string | null;
  doc_sha256: string;
  doc_size: number;
  retain_until_ms: number | null;
  purged_at: string | null;
  created_at: string;
}

export interface NodeRow {
  country: string;
  fingerprint: string;
  certificate_pem: string;
  delivery: string;
  status: 'active' | 'revoked';
  registered_at: string;
  revoked_at: string | null;
}

export interface SignerRow {
  key_id: string;
  country: string;
  fingerprint: string;
  label: string | null;
  certificate_pem: string;
  status: 'active' | 'revoked';
  registered_at: string;
  revoked_at: string | null;
  revocation_reason: string | null;
}

export interface LogRow {
  kind: string;
  seq: number;
  at: string;
  type: string;
  actor: string;
  exchange_id: string | null;
  parties: string;
  data: string;
  prev_hash: string;
  hash: string;
}
