/**
 * The bookkeeping both alert stores do as a delivery's alerts are written (see sqlite-alert-store.ts): which row is
 * each fingerprint's latest (the latest start wins; a late-arriving earlier firing is stored but not shown), and how
 * the group's fingerprint, firing and label-value counts move. Pure: the stores read the shown row and write the result.
 */
import type { Labels } from '../alerts/alert-group.ts';

/** A fingerprint's latest stored row, as the stores read it (labels as their stored JSON text). */
export interface ShownAlert {
  starts_at: number;
  status: string;
  labels: string;
}

/** What to write for one alert. `isNew` undefined: an earlier firing, new only if its row is not stored yet. */
export interface Placement {
  latest: 0 | 1;
  isNew: boolean | undefined;
  /** The start of the shown row that stops being the latest, if any. */
  unflag: number | null;
}

export class DigestCounts {
  fingerprints = 0;
  firing = 0;
  /** Label value counts to add, by name then value, applied once for the slice (a storm's shared labels are one row each). */
  private readonly labelDelta = new Map<string, Map<string, number>>();

  /** Places an alert (`labels` is its JSON text) against its fingerprint's shown row, counting what changes. */
  place(alert: { status: string; labels: Labels }, startsAt: number, labels: string, shown: ShownAlert | undefined): Placement {
    const isFiring = alert.status === 'firing' ? 1 : 0;
    if (!shown) {
      this.fingerprints++;
      this.firing += isFiring;
      this.countLabels(alert.labels, 1);
      return { latest: 1, isNew: true, unflag: null };
    }
    if (shown.starts_at <= startsAt) {
      const isNew = shown.starts_at < startsAt;
      this.firing += isFiring - (shown.status === 'firing' ? 1 : 0);
      if (shown.labels !== labels) {
        this.countLabels(JSON.parse(shown.labels) as Labels, -1);
        this.countLabels(alert.labels, 1);
      }
      return { latest: 1, isNew, unflag: isNew ? shown.starts_at : null };
    }
    return { latest: 0, isNew: undefined, unflag: null };
  }

  /** The label counts to add, zero changes left out. */
  *labelChanges(): Generator<[name: string, value: string, by: number]> {
    for (const [name, values] of this.labelDelta) for (const [value, by] of values) if (by !== 0) yield [name, value, by];
  }

  private countLabels(labels: Labels, by: number): void {
    for (const name in labels) {
      const value = labels[name]!;
      let values = this.labelDelta.get(name);
      if (!values) this.labelDelta.set(name, (values = new Map()));
      values.set(value, (values.get(value) ?? 0) + by);
    }
  }
}
