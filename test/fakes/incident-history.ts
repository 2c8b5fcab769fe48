/**
 * An incident's record built through the real rules (incident-rules.ts, action-items.ts), step by step at
 * stated times, so duration, stats and postmortem tests read like the story they tell.
 */
import { type ActionItem, completeActionItem, newActionItem } from '../../src/incidents/action-items.ts';
import { DEFAULT_CADENCE } from '../../src/incidents/cadence.ts';
import type { Incident, UserId } from '../../src/incidents/incident.ts';
import * as rules from '../../src/incidents/incident-rules.ts';
import type { Change, Declaration } from '../../src/incidents/incident-rules.ts';
import type { PhaseAction } from '../../src/incidents/phases.ts';
import type { Severity } from '../../src/incidents/severity.ts';
import type { TimelineEvent } from '../../src/incidents/timeline.ts';
import { aDeclaration } from './incident-builder.ts';
import { T0 } from './fixed-clock.ts';

export class IncidentHistory {
  incident: Incident;
  readonly timeline: TimelineEvent[];
  readonly actionItems: ActionItem[] = [];

  private constructor(change: Change, number: number) {
    this.incident = { ...change.incident, number };
    this.timeline = [...change.events];
  }

  /** Declared at `at` (T0 by default) through declareIncident, numbered `number`. */
  static declare(declaration: Partial<Declaration> = {}, at = T0, number = 1): IncidentHistory {
    return new IncidentHistory(rules.declareIncident(aDeclaration(declaration), DEFAULT_CADENCE, at), number);
  }

  role(at: number, role: string, user: UserId, actor: UserId = 'alice'): this {
    return this.apply(rules.assignRole(this.incident, role, user, actor, at));
  }

  update(at: number, text: string, actor: UserId = 'dave'): this {
    return this.apply(rules.postUpdate(this.incident, text, actor, at));
  }

  severity(at: number, severity: Severity, actor: UserId = 'carol'): this {
    return this.apply(rules.changeSeverity(this.incident, severity, actor, DEFAULT_CADENCE, at));
  }

  phase(at: number, action: PhaseAction, note = '', actor: UserId = 'carol'): this {
    return this.apply(rules.transition(this.incident, action, note, actor, at));
  }

  note(at: number, text: string, actor: UserId = 'carol'): this {
    return this.apply(rules.addNote(this.incident, text, actor, at));
  }

  linkAlert(at: number, label: string, actor: UserId = 'alice'): this {
    return this.apply(rules.linkAlertGroup(this.incident, label, actor, at));
  }

  /** A new action item, numbered as a store would number it (1, 2, … within this history). */
  addItem(at: number, text: string, owner: UserId | null, due: string | null, actor: UserId = 'carol'): this {
    const { item, event } = newActionItem(this.incident, { text, owner, due }, actor, at);
    this.actionItems.push({ ...item, id: this.actionItems.length + 1 });
    this.timeline.push(event);
    return this;
  }

  completeItem(at: number, id: number, actor: UserId = 'carol'): this {
    const index = this.actionItems.findIndex((i) => i.id === id);
    const current = this.actionItems[index];
    if (!current) throw new Error(`no action item #${id}`);
    const { item, event } = completeActionItem(current, actor, at);
    this.actionItems[index] = item;
    this.timeline.push(event);
    return this;
  }

  private apply(change: Change): this {
    this.incident = change.incident;
    this.timeline.push(...change.events);
    return this;
  }
}
