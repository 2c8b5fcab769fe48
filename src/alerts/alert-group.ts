/** Alert groups as sitroom keeps them: one per Alertmanager groupKey, with per-fingerprint alert state. */
import type { Severity } from '../incidents/severity.ts';
import type { UserId } from '../incidents/incident.ts';

export type Labels = Readonly<Record<string, string>>;

export interface AlertGroup {
  id: number;
  groupKey: string;
  receiver: string;
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalUrl: string;
  /** Alerts Alertmanager left out of the last delivery (max_alerts). */
  truncatedAlerts: number;
  /** The earliest start of a firing alert: time to acknowledge is measured from here. */
  firstFiringAt: number | null;
  lastDeliveryAt: number;
  /** Bumped on every change the card shows; cards record the version they show. */
  version: number;
  firingCount: number;
  acknowledged: { by: UserId; at: number } | null;
  notActionable: { by: UserId; at: number } | null;
  incidentNumber: number | null;
  silence: { id: string; until: number; by: UserId } | null;
}

/** One alert of a group: a fingerprint's firing, from its start. A fingerprint that fires again is a new row. */
export interface GroupAlert {
  fingerprint: string;
  startsAt: number;
  status: 'firing' | 'resolved';
  endsAt: number | null;
  labels: Labels;
  annotations: Labels;
  generatorUrl: string;
}

/** What a chat needs to show a group. */
export interface AlertGroupView {
  group: AlertGroup;
  title: string;
  summary: string;
  severity: Severity;
  firing: readonly GroupAlert[];
  resolved: readonly GroupAlert[];
  /** Labels shared by the group that help tell it apart (group labels first). */
  labels: readonly [string, string][];
  links: readonly { label: string; url: string }[];
  /** Alerts not listed on the card: beyond the list limit, plus Alertmanager's truncatedAlerts. */
  moreAlerts: number;
  /** Labels every alert of the group shares (what tells the alerts apart is the rest). */
  commonLabels: Labels;
}
