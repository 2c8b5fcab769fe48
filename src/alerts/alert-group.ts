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

/**
 * What a card needs of a group's alerts (each fingerprint counted once, by its latest firing), short of the alerts
 * themselves: a storm group has 80,000 and a card lists ten. The store keeps it as alerts are written
 * (AlertStore.digest); digestAlerts computes it from every alert.
 */
export interface AlertDigest {
  firing: number;
  resolved: number;
  /** The first CARD_ALERT_LIMIT firing alerts, earliest start first (then fingerprint). */
  firstFiring: readonly GroupAlert[];
  /** The same, of the resolved ones. */
  firstResolved: readonly GroupAlert[];
  /** Labels with the same value on every alert; undefined when the group has none. */
  sharedLabels: Labels | undefined;
  /** The first alert's (in that order) non-empty generatorURL and runbook_url annotation. */
  generatorUrl: string | undefined;
  runbookUrl: string | undefined;
}

/** What a chat needs to show a group. */
export interface AlertGroupView {
  group: AlertGroup;
  title: string;
  summary: string;
  severity: Severity;
  /** How many of the group's alerts fire now, and how many have resolved. */
  firing: number;
  resolved: number;
  /** The first CARD_ALERT_LIMIT firing alerts, earliest first: what a card lists (then resolvedAlerts). */
  firingAlerts: readonly GroupAlert[];
  resolvedAlerts: readonly GroupAlert[];
  /** Labels shared by the group that help tell it apart (group labels first). */
  labels: readonly [string, string][];
  links: readonly { label: string; url: string }[];
  /** Alerts not listed on the card: beyond the list limit, plus Alertmanager's truncatedAlerts. */
  moreAlerts: number;
  /** Labels every alert of the group shares (what tells the alerts apart is the rest). */
  commonLabels: Labels;
}
