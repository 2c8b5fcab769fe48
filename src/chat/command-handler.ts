/**
 * What happens when someone types `/incident …`, clicks a button or submits a form, on any platform:
 * parse -> use case -> reply. Platforms call these with the request translated to plain values and render
 * the reply they get back.
 */
import type { AlertService } from '../alerts/alert-service.ts';
import type { CaptureRequest, CaptureService } from '../incidents/capture-service.ts';
import type { ChecklistService } from '../incidents/checklist-service.ts';
import type { FollowUpService } from '../incidents/follow-up-service.ts';
import { IncidentError } from '../incidents/errors.ts';
import type { IncidentService, Outcome } from '../incidents/incident-service.ts';
import type { Platform, UserId } from '../incidents/incident.ts';
import { IMPACT_LABEL, type Publication } from '../incidents/publication.ts';
import type { PublishingService, PublishOutcome } from '../incidents/publishing-service.ts';
import type { PagingService } from '../incidents/paging-service.ts';
import { parseRole, roleLabel } from '../incidents/roles.ts';
import { DEFAULT_SEVERITY, parseSeverity } from '../incidents/severity.ts';
import { parseCommand, type MentionParser } from './command-grammar.ts';
import type { AlertButtonId, ButtonId, ChatMessage, Line, SelectId } from '../presentation/message.ts';
import { linkedAlertsMessage } from './alert-messages.ts';
import { actionItemsMessage, checklistMessage, helpMessage, LIST_LIMIT, listMessage, type MessageContext, statsMessage, summaryCard } from './messages.ts';
import { errorReply, isExpectedError, notifyFailedLine } from './replies.ts';

export interface ChatRequest {
  platform: Platform;
  userId: UserId;
  /** The channel the command was typed in or the button clicked in. */
  channelId: string;
  /** The user's handle, where the platform sends it (for records outside the chat, e.g. silences). */
  userName?: string;
}

export type ChatReply =
  | { kind: 'message'; message: ChatMessage }
  /** Open the declare form (Slack modal / Mattermost dialog). */
  | { kind: 'declare_form' }
  /** Open the stakeholder-update form for an incident. */
  | { kind: 'update_form'; incident: number }
  | { kind: 'page_form'; incident: number };

export interface DeclareForm {
  title: string;
  severity: string;
  isPrivate: boolean;
  /** One of INCIDENT_TYPES, or empty for none. */
  type?: string;
  /** A practice run. */
  drill?: boolean;
}

export interface ChatHandlerOptions {
  service: IncidentService;
  context: () => MessageContext;
  /** Called with anything unexpected (a bug or an outage), so it is logged; the user gets a generic reply. */
  onUnexpectedError: (error: unknown, request: ChatRequest) => void;
  /** Called after every recorded change (for logs), with the chat error if telling the chat failed. */
  onRecorded?: (outcome: Outcome, request: ChatRequest) => void;
  /** The alert use cases, for the alert card's buttons. */
  alerts?: AlertService;
  /** Action items, postmortems, stats. */
  followUps?: FollowUpService;
  /** Checklists (`/incident checklist`, `check`, the Tick buttons). */
  checklists?: ChecklistService;
  /** The public status page: publish, public updates, impact, components. */
  publishing?: PublishingService;
  /** Chat messages captured onto the timeline (📌, the message shortcut). */
  captures?: CaptureService;
  /** Paging the on-call through Alertmanager. */
  paging?: PagingService;
}

const reply = (...lines: Line[]): ChatReply => ({ kind: 'message', message: { lines } });


export class ChatCommandHandler {
  private readonly service: IncidentService;
  private readonly context: () => MessageContext;
  private readonly onUnexpectedError: ChatHandlerOptions['onUnexpectedError'];
  private readonly onRecorded: NonNullable<ChatHandlerOptions['onRecorded']>;
  private readonly alerts: AlertService | undefined;
  private readonly followUps: FollowUpService | undefined;
  private readonly checklists: ChecklistService | undefined;
  private readonly publishing: PublishingService | undefined;
  private readonly captures: CaptureService | undefined;
  private readonly paging: PagingService | undefined;

  constructor(opts: ChatHandlerOptions) {
    this.service = opts.service;
    this.context = opts.context;
    this.onUnexpectedError = opts.onUnexpectedError;
    this.onRecorded = opts.onRecorded ?? (() => {});
    this.alerts = opts.alerts;
    this.followUps = opts.followUps;
    this.checklists = opts.checklists;
    this.publishing = opts.publishing;
    this.paging = opts.paging;
    this.captures = opts.captures;
  }

  /**
   * A 📌 reaction or the message shortcut: the message goes onto the timeline of the war room it was posted in.
   * Never throws; the reply is for the shortcut (a reaction is answered by nothing at all).
   */
  async capture(req: ChatRequest, read: CaptureRequest['read']): Promise<ChatReply> {
    return this.guard(req, async () => {
      if (!this.captures) return reply(['Capturing messages is not set up here.']);
      const outcome = await this.captures.capture({ platform: req.platform, channelId: req.channelId, capturedBy: req.userId, read });
      switch (outcome.kind) {
        case 'captured':
          return reply([`Added to the timeline of incident #${outcome.incident.number}.`]);
        case 'already_captured':
          return reply([`That message is already on the timeline of incident #${outcome.incident.number}.`]);
        case 'ignored':
          return reply(['That message cannot be added: it is gone, or it is one of sitroom’s own.']);
        case 'not_in_war_room':
          return reply(['Only messages in an incident’s war room can go on its timeline.']);
      }
    });
  }

  /** `/incident <text>`: never throws; every failure becomes a specific reply. */
  async command(req: ChatRequest, text: string, parseMention: MentionParser): Promise<ChatReply> {
    return this.guard(req, async () => {
      const cmd = parseCommand(text, parseMention, req.userId);
      const s = this.service;
      const here = async () => (await s.inRoom(req.platform, req.channelId)).number;
      switch (cmd.kind) {
        case 'help':
          return { kind: 'message', message: helpMessage() };
        case 'list': {
          const { newest, counts } = await s.openOverview(LIST_LIMIT);
          return { kind: 'message', message: listMessage(newest, this.context(), counts) };
        }
        case 'status':
          return { kind: 'message', message: summaryCard(await s.inRoom(req.platform, req.channelId), this.context()) };
        case 'declare':
          if (!cmd.title) return { kind: 'declare_form' };
          return this.declare(req, { title: cmd.title, severity: cmd.severity ?? DEFAULT_SEVERITY, isPrivate: cmd.isPrivate, type: cmd.type, drill: cmd.drill });
        case 'role': {
          const outcome = await s.assignRole(await here(), cmd.role, cmd.user, req.userId);
          const role = roleLabel(parseRole(cmd.role, s.customRoles));
          return this.confirm(req, outcome, ['Role assigned: ', { user: cmd.user }, ` → ${role}.`]);
        }
        case 'severity':
          return this.confirm(req, await s.changeSeverity(await here(), cmd.severity, req.userId), [`Severity is now ${cmd.severity.toUpperCase()}.`]);
        case 'type': {
          const outcome = await s.changeType(await here(), cmd.type, req.userId);
          return this.confirm(req, outcome, [`Type is now ${outcome.incident.type ?? ''}.`]);
        }
        case 'alerts': {
          const incident = await s.inRoom(req.platform, req.channelId);
          return { kind: 'message', message: linkedAlertsMessage(incident, (await this.alerts?.linkedTo(incident.number)) ?? [], this.context()) };
        }
        case 'checklist': {
          const incident = await s.inRoom(req.platform, req.channelId);
          return { kind: 'message', message: checklistMessage(incident, await this.checklist().checklistOf(incident.number)) };
        }
        case 'check': {
          const ticked = await this.checklist().check(await here(), cmd.position, req.userId);
          return this.confirm(req, ticked, [`Ticked ${ticked.item.position}. `, ticked.item.text]);
        }
        case 'update':
          return this.confirm(req, await s.postUpdate(await here(), cmd.text, req.userId), ['Update posted to stakeholders.']);
        case 'cadence': {
          const outcome = await s.setCadence(await here(), cmd.cadence, req.userId);
          return this.confirm(req, outcome, [cmd.cadence === null ? 'Update reminders are off.' : 'Cadence set.']);
        }
        case 'phase': {
          const outcome = await s.transition(await here(), cmd.action, cmd.note, req.userId, cmd.waiver);
          return this.confirm(req, outcome, [`Incident #${outcome.incident.number} is now ${outcome.incident.phase}.`]);
        }
        case 'note':
          return this.confirm(req, await s.addNote(await here(), cmd.text, req.userId), ['Noted on the timeline.']);
        case 'action': {
          const item = await this.learning().addActionItem(await here(), { text: cmd.text, owner: cmd.owner, due: cmd.due, issue: cmd.issue }, req.userId);
          return reply([
            `Action item #${item.id} added: `,
            item.text,
            ...(item.owner ? [' — ', { user: item.owner } as const] : []),
            ...(item.due ? [` — due ${item.due}`] : []),
            ...(cmd.issue ? [' — its GitHub issue is being opened'] : []),
          ]);
        }
        case 'action_done': {
          const inRoom = (await s.findInRoom(req.platform, req.channelId))?.number;
          const item = await this.learning().completeActionItem(cmd.id, req.userId, inRoom);
          return reply([`Action item #${item.id} done: `, item.text]);
        }
        case 'actions': {
          const inRoom = await s.findInRoom(req.platform, req.channelId);
          const message = inRoom
            ? actionItemsMessage(await this.learning().actionItemsOf(inRoom.number), `Action items of incident #${inRoom.number}`)
            : actionItemsMessage(await this.learning().openActionItems(), 'Open action items');
          return { kind: 'message', message };
        }
        case 'postmortem': {
          const written = await this.learning().writePostmortem(await here(), req.userId);
          return reply([`Postmortem written (${written.markdown.split('\n').length} lines); it is being posted in the war room as a file.`]);
        }
        case 'stats':
          return { kind: 'message', message: statsMessage(await this.learning().stats(cmd.days)) };
        case 'publish':
          return this.published(await this.status().publish(await here(), cmd.title, req.userId), (p) => ['On the status page as “', p.title, '”.']);
        case 'public':
          return this.published(await this.status().postPublicUpdate(await here(), cmd.text, req.userId), () => ['Public update posted on the status page.']);
        case 'unpublish':
          return this.published(await this.status().unpublish(await here(), req.userId), () => ['Taken off the status page.']);
        case 'impact':
          return this.published(await this.status().setImpact(await here(), cmd.level, req.userId), (p) => [`Public impact set${p.impact ? `: ${IMPACT_LABEL[p.impact]}` : ''}.`]);
        case 'components':
          return this.published(await this.status().setComponents(await here(), cmd.list, req.userId), (p) => [p.components.length ? `Affected components: ${p.components.join(', ')}.` : 'No affected components listed.']);
        case 'page':
          return this.paged(req, await here(), { team: cmd.team, message: cmd.message });
      }
    });
  }

  /** A click on one of sitroom's buttons; `value` is the incident number or alert group id, by button. */
  async button(req: ChatRequest, id: ButtonId, value: number): Promise<ChatReply> {
    return this.guard(req, async () => {
      const s = this.service;
      const incident = value;
      switch (id) {
        case 'claim_commander':
          return this.confirm(req, await s.assignRole(incident, 'commander', req.userId, req.userId), [`You are the incident commander of #${incident}.`]);
        case 'claim_comms':
          return this.confirm(req, await s.assignRole(incident, 'comms', req.userId, req.userId), [`You are the comms lead of #${incident}.`]);
        case 'post_update':
          await s.get(incident); // refuses an unknown incident before the form opens
          return { kind: 'update_form', incident };
        case 'page_oncall':
          if (!this.paging?.enabled) throw new IncidentError('paging_unavailable');
          await s.get(incident); // refuses an unknown incident before the form opens
          return { kind: 'page_form', incident };
        case 'snooze':
          return this.confirm(req, await s.snooze(incident, req.userId), [`Update reminder for #${incident} snoozed for 15 minutes.`]);
        case 'mitigate': {
          const outcome = await s.transition(incident, 'mitigate', '', req.userId);
          return this.confirm(req, outcome, [`Incident #${incident} is now mitigated.`]);
        }
        case 'checklist_check': {
          const ticked = await this.checklist().tick(value, req.userId);
          return this.confirm(req, ticked, [`Ticked ${ticked.item.position}. `, ticked.item.text]);
        }
        default:
          return this.alertButton(req, id, value);
      }
    });
  }

  /** Pages a team (the command, or the card's Page form). */
  private async paged(req: ChatRequest, incident: number, input: { team: string; message: string }): Promise<ChatReply> {
    if (!this.paging) throw new IncidentError('paging_unavailable');
    const page = await this.paging.page(incident, input, req.userId);
    return reply([`Paged ${page.team} through Alertmanager for #${incident}; the page keeps firing until the incident is mitigated.`]);
  }

  private checklist(): ChecklistService {
    if (!this.checklists) throw new Error('checklists are not wired');
    return this.checklists;
  }

  private status(): PublishingService {
    if (!this.publishing) throw new Error('publishing is not wired');
    return this.publishing;
  }

  /** Confirms a publication change, warning when the war room could not be told. */
  private published(outcome: PublishOutcome, line: (p: Publication) => Line): ChatReply {
    return reply(line(outcome.publication), ...(outcome.notifyError ? [notifyFailedLine(outcome.notifyError)] : []));
  }

  private learning(): FollowUpService {
    if (!this.followUps) throw new Error('follow-ups are not wired');
    return this.followUps;
  }

  private async alertButton(req: ChatRequest, id: AlertButtonId, group: number): Promise<ChatReply> {
    const alerts = this.alerts;
    if (!alerts) throw new IncidentError('unknown_alert_group');
    switch (id) {
      case 'alert_ack':
        await alerts.acknowledge(group, req.userId);
        return reply(['Acknowledged.']);
      case 'alert_not_actionable':
        await alerts.notActionable(group, req.userId);
        return reply(['Marked not actionable; it counts towards the alert noise statistics.']);
      case 'alert_silence_1h':
      case 'alert_silence_4h': {
        const hours = id === 'alert_silence_1h' ? 1 : 4;
        const silenced = await alerts.silence(group, hours, req.userId, req.userName ?? req.userId);
        return reply([`Silenced for ${hours}h in Alertmanager (silence ${silenced.silence?.id ?? '?'}).`]);
      }
      case 'alert_declare': {
        const outcome = await alerts.declareIncident(group, req.userId, req.platform);
        return this.declared(req, outcome);
      }
    }
  }

  /** A choice in one of sitroom's menus: `value` is what the menu is about (the alert group), `chosen` the option. */
  async select(req: ChatRequest, id: SelectId, value: number, chosen: number): Promise<ChatReply> {
    return this.guard(req, async () => {
      switch (id) {
        case 'alert_attach': {
          if (!this.alerts) throw new IncidentError('unknown_alert_group');
          const outcome = await this.alerts.attachToIncident(value, chosen, req.userId);
          const room: Line = outcome.incident.room ? ['War room: ', { channel: outcome.incident.room.channelId }] : [];
          return this.confirm(req, outcome, [`Alerts added to incident #${outcome.incident.number}: `, outcome.incident.title], ...(room.length ? [room] : []));
        }
      }
    });
  }

  /** The declare form was submitted. */
  async declareForm(req: ChatRequest, form: DeclareForm): Promise<ChatReply> {
    return this.guard(req, () => this.declare(req, form));
  }

  /** The stakeholder-update form was submitted. */
  async updateForm(req: ChatRequest, incident: number, text: string): Promise<ChatReply> {
    return this.guard(req, async () => this.confirm(req, await this.service.postUpdate(incident, text, req.userId), [`Update posted for #${incident}.`]));
  }

  /** The page form (the summary card's Page button) was submitted. */
  async pageForm(req: ChatRequest, incident: number, input: { team: string; message: string }): Promise<ChatReply> {
    return this.guard(req, () => this.paged(req, incident, input));
  }

  private async declare(req: ChatRequest, form: DeclareForm): Promise<ChatReply> {
    const severity = parseSeverity(form.severity) ?? DEFAULT_SEVERITY;
    const { title, isPrivate, drill } = form;
    return this.declared(req, await this.service.declare({ title, severity, isPrivate, platform: req.platform, declaredBy: req.userId, type: form.type || null, drill }));
  }

  /** The reply to a declaration: its number, and its war room or why there is none yet. */
  private declared(req: ChatRequest, outcome: Outcome): ChatReply {
    const { incident } = outcome;
    // Nothing is awaited from the chat here: the war room is created by the outbox, after this reply (a drill is never announced).
    const room: Line = incident.room
      ? ['War room: ', { channel: incident.room.channelId }]
      : [`The war room is being created${incident.drill ? '' : '; it will be announced when it is ready'}.`];
    const kind = `${incident.drill ? 'DRILL ' : ''}${incident.severity.toUpperCase()}${incident.type ? ` ${incident.type}` : ''}`;
    return this.confirm(req, outcome, [`Declared ${incident.drill ? 'drill' : 'incident'} #${incident.number} (${kind}): `, incident.title], room);
  }

  /** Confirms a recorded change, warning when the chat could not be told. */
  private confirm(req: ChatRequest, outcome: Outcome, ...lines: Line[]): ChatReply {
    this.onRecorded(outcome, req);
    return reply(...lines, ...(outcome.notifyError ? [notifyFailedLine(outcome.notifyError)] : []));
  }

  private async guard(req: ChatRequest, work: () => Promise<ChatReply>): Promise<ChatReply> {
    try {
      return await work();
    } catch (e) {
      if (!isExpectedError(e)) this.onUnexpectedError(e, req);
      return { kind: 'message', message: errorReply(e) };
    }
  }
}
