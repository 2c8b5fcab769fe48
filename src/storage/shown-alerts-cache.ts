/**
 * The latest stored row of each fingerprint, per alert group, as this process last read or wrote them: a webhook
 * delivery compares its alerts with them (sqlite-alert-store.ts), and reading them back from SQLite on every
 * delivery was a fifth of storing it. A group's rows are trusted only while all of this holds:
 *
 * - No other connection has committed since (SQLite's PRAGMA data_version, read inside the writing transaction):
 *   another process on the same database file, which the README allows, empties the cache.
 * - Every transaction that changed them committed: the store empties the cache when one is rolled back.
 * - Their number is the group's count of latest rows (alert_groups.latest_alerts), read in the same transaction.
 *
 * Bounded: at most `maxRows` rows in all (~300 bytes each), groups of at most `maxRowsPerGroup` fingerprints, the
 * least recently used group dropped first. Only this store writes alert rows, so nothing else in the process can
 * make them stale.
 */
export class ShownAlertsCache<Row> {
  private readonly groups = new Map<number, Map<string, Row>>();
  private rows = 0;
  private dataVersion: number | undefined;
  private readonly maxRows: number;
  private readonly maxRowsPerGroup: number;

  constructor(maxRows = 50_000, maxRowsPerGroup = 256) {
    this.maxRows = maxRows;
    this.maxRowsPerGroup = maxRowsPerGroup;
  }

  /** Forgets every group unless `dataVersion` is the one seen last (no other connection committed meanwhile). */
  check(dataVersion: number): void {
    if (dataVersion !== this.dataVersion) this.clear();
    this.dataVersion = dataVersion;
  }

  /** The group's rows by fingerprint, if known and `latestAlerts` of them; the caller must not change the map. */
  get(groupId: number, latestAlerts: number): ReadonlyMap<string, Row> | undefined {
    const rows = this.groups.get(groupId);
    if (!rows) return undefined;
    // Taken out and put back: the Map's order is the order of use.
    this.groups.delete(groupId);
    if (rows.size !== latestAlerts) {
      this.rows -= rows.size;
      return undefined;
    }
    this.groups.set(groupId, rows);
    return rows;
  }

  /** Keeps the group's rows as just read from the database. */
  set(groupId: number, rows: Map<string, Row>): void {
    this.drop(groupId);
    if (rows.size > this.maxRowsPerGroup) return;
    this.groups.set(groupId, rows);
    this.rows += rows.size;
    this.trim();
  }

  /** A fingerprint's row was written as its latest: a group kept here keeps it (or is dropped when it grows too large). */
  put(groupId: number, fingerprint: string, row: Row): void {
    const rows = this.groups.get(groupId);
    if (!rows) return;
    const before = rows.size;
    rows.set(fingerprint, row);
    this.rows += rows.size - before;
    if (rows.size > this.maxRowsPerGroup) this.drop(groupId);
    else this.trim();
  }

  /** Forgets the group. */
  private drop(groupId: number): void {
    const rows = this.groups.get(groupId);
    if (!rows) return;
    this.groups.delete(groupId);
    this.rows -= rows.size;
  }

  /** Forgets everything (a transaction that may have changed rows kept here was rolled back). */
  clear(): void {
    this.groups.clear();
    this.rows = 0;
  }

  /** Groups and rows kept (tests). */
  get size(): { groups: number; rows: number } {
    return { groups: this.groups.size, rows: this.rows };
  }

  /** Drops the least recently used groups until at most maxRows rows are kept (never the one just used). */
  private trim(): void {
    while (this.rows > this.maxRows && this.groups.size > 1) this.drop(this.groups.keys().next().value as number);
  }
}
