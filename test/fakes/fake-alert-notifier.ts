/** A recording AlertNotifier: remembers every call, hands out card ids, can fail any method or hold showCard. */
import type { AlertGroupView, GroupAlert } from '../../src/alerts/alert-group.ts';
import type { AlertNotifier, CardRef } from '../../src/alerts/ports.ts';
import type { Incident } from '../../src/incidents/incident.ts';

export type AlertNotifierCall =
  | { method: 'showCard'; view: AlertGroupView; card: CardRef | null }
  | { method: 'groupLinked'; incident: Incident; view: AlertGroupView }
  | { method: 'alertsFiring'; incident: Incident; view: AlertGroupView; alerts: GroupAlert[] }
  | { method: 'alertsResolved'; incident: Incident; view: AlertGroupView };
export type AlertNotifierMethod = AlertNotifierCall['method'];

export const ALERTS_CHANNEL = 'C-ALERTS';

export class FakeAlertNotifier implements AlertNotifier {
  /** Every call, in order, including the ones told to fail. */
  readonly calls: AlertNotifierCall[] = [];
  private readonly failures = new Map<AlertNotifierMethod, Error>();
  private gate: Promise<void> | undefined;
  private cards = 0;

  failOn(method: AlertNotifierMethod, error: Error = new Error(`${method} failed`)): void {
    this.failures.set(method, error);
  }

  recover(method: AlertNotifierMethod): void {
    this.failures.delete(method);
  }

  callsTo<M extends AlertNotifierMethod>(method: M): Extract<AlertNotifierCall, { method: M }>[] {
    return this.calls.filter((c): c is Extract<AlertNotifierCall, { method: M }> => c.method === method);
  }

  /** Cards posted (not updates). */
  get posted(): number {
    return this.callsTo('showCard').filter((c) => c.card === null).length;
  }

  /** From now on showCard waits (after recording the call) until the returned function is called. */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((resolve) => {
      release = () => {
        this.gate = undefined;
        resolve();
      };
    });
    return release;
  }

  async showCard(view: AlertGroupView, card: CardRef | null): Promise<CardRef> {
    this.record({ method: 'showCard', view, card });
    if (this.gate) await this.gate;
    this.cards += 1;
    return card ?? { channel: ALERTS_CHANNEL, messageId: `M-CARD-${this.cards}` };
  }

  async groupLinked(incident: Incident, view: AlertGroupView): Promise<void> {
    this.record({ method: 'groupLinked', incident, view });
  }

  async alertsFiring(incident: Incident, view: AlertGroupView, alerts: readonly GroupAlert[]): Promise<void> {
    this.record({ method: 'alertsFiring', incident, view, alerts: [...alerts] });
  }

  async alertsResolved(incident: Incident, view: AlertGroupView): Promise<void> {
    this.record({ method: 'alertsResolved', incident, view });
  }

  private record(call: AlertNotifierCall): void {
    this.calls.push(structuredClone(call));
    const failure = this.failures.get(call.method);
    if (failure) throw failure;
  }
}
