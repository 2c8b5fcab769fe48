/**
 * Block Kit limits the fake Slack enforces, as Slack does: a message or view breaking one is refused (chat.postMessage
 * and chat.update answer `invalid_blocks`; views.* answer `invalid_arguments`), with Slack's `errors` list of
 * "<problem> [json-pointer:/blocks/0/text/text]" strings.
 * Sources (each rule below names its own):
 *   B  https://api.slack.com/reference/block-kit/blocks (docs.slack.dev/reference/block-kit/blocks/…)
 *   E  https://api.slack.com/reference/block-kit/block-elements
 *   C  https://api.slack.com/reference/block-kit/composition-objects
 *   V  https://api.slack.com/reference/surfaces/views
 *   J  java-slack-sdk slack-api-model `com.slack.api.model.block.*` javadoc, and node-slack-sdk packages/types/src/block-kit/
 *      (blocks.ts, block-elements.ts, composition-objects.ts), which state the same limits on each field.
 */
type Json = Record<string, unknown>;

export const LIMITS = {
  /** B: "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs." */
  messageBlocks: 50,
  viewBlocks: 100,
  /** B: block_id "Maximum length for this field is 255 characters", unique within a message or view. */
  blockId: 255,
  /** B section: text "Maximum length for the text in this field is 3000 characters"; fields "Maximum number of items is 10. Maximum length for the text in each item is 2000 characters". */
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  /** B header: "Maximum length for the text in this field is 150 characters." */
  headerText: 150,
  /** B context: "Maximum number of items is 10." */
  contextElements: 10,
  /** B actions: "There is a maximum of 25 elements in each action block." */
  actionsElements: 25,
  /** E button: text "Maximum length … 75 characters"; action_id ≤ 255 and unique in the containing block/message; value ≤ 2000; url ≤ 3000. */
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  buttonUrl: 3000,
  /** C option: text "Maximum length … 75 characters"; value "Maximum length … 150 characters". E static_select: ≤ 100 options; checkboxes: ≤ 10. */
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  checkboxOptions: 10,
  /** B input: label ≤ 2000, hint ≤ 2000. E plain_text_input: max_length ≤ 3000. */
  inputLabel: 2000,
  plainTextInputMax: 3000,
  /** V modal: title, submit and close "Maximum length … 24 characters"; private_metadata ≤ 3000; callback_id ≤ 255. */
  modalTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
} as const;

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** Slack counts characters as a JavaScript string's length does for BMP text; emoji count as their code units too. */
const textOf = (v: unknown): string | undefined => {
  const t = obj(v)?.['text'];
  return typeof t === 'string' ? t : undefined;
};

class Problems {
  readonly list: string[] = [];
  add(pointer: string, problem: string): void {
    this.list.push(`${problem} [json-pointer:${pointer}]`);
  }
  /** A text object: present (C: text "minimum 1 character"), of the right type, at most `max` characters. */
  text(pointer: string, value: unknown, max: number, type?: 'plain_text' | 'mrkdwn'): void {
    const o = obj(value);
    const text = textOf(value);
    if (!o || text === undefined) return this.add(pointer, 'must provide an object with a text field');
    if (type && o['type'] !== type) this.add(`${pointer}/type`, `must be ${type}`);
    if (text.length === 0) this.add(`${pointer}/text`, 'must be more than 0 characters');
    if (text.length > max) this.add(`${pointer}/text`, `must be less than ${max + 1} characters`);
  }
  max(pointer: string, value: unknown, max: number): void {
    if (typeof value === 'string' && value.length > max) this.add(pointer, `must be less than ${max + 1} characters`);
  }
  count(pointer: string, items: unknown[], max: number): void {
    if (items.length > max) this.add(pointer, `must be less than ${max + 1} items`);
  }
}

function element(p: Problems, at: string, el: Json, actionIds: Set<string>): void {
  const actionId = el['action_id'];
  if (typeof actionId === 'string') {
    p.max(`${at}/action_id`, actionId, LIMITS.actionId);
    if (actionIds.has(actionId)) p.add(`${at}/action_id`, 'action_id already exists');
    actionIds.add(actionId);
  }
  const options = (key: string, max: number) => {
    const list = arr(el[key]);
    p.count(`${at}/${key}`, list, max);
    list.forEach((o, i) => {
      p.text(`${at}/${key}/${i}/text`, obj(o)?.['text'], LIMITS.optionText);
      p.max(`${at}/${key}/${i}/value`, obj(o)?.['value'], LIMITS.optionValue);
    });
  };
  switch (el['type']) {
    case 'button':
      p.text(`${at}/text`, el['text'], LIMITS.buttonText, 'plain_text');
      p.max(`${at}/value`, el['value'], LIMITS.buttonValue);
      p.max(`${at}/url`, el['url'], LIMITS.buttonUrl);
      break;
    case 'static_select':
      options('options', LIMITS.selectOptions);
      break;
    case 'checkboxes':
    case 'radio_buttons':
      options('options', LIMITS.checkboxOptions);
      break;
    case 'plain_text_input': {
      const max = el['max_length'];
      if (typeof max === 'number' && max > LIMITS.plainTextInputMax) p.add(`${at}/max_length`, `must be at most ${LIMITS.plainTextInputMax}`);
      break;
    }
    default:
  }
}

function block(p: Problems, at: string, b: Json, ids: { blocks: Set<string>; actions: Set<string> }): void {
  const blockId = b['block_id'];
  if (typeof blockId === 'string') {
    p.max(`${at}/block_id`, blockId, LIMITS.blockId);
    if (ids.blocks.has(blockId)) p.add(`${at}/block_id`, 'block_id already exists');
    ids.blocks.add(blockId);
  }
  switch (b['type']) {
    case 'section': {
      const fields = arr(b['fields']);
      if (b['text'] === undefined && fields.length === 0) p.add(at, 'must provide text or fields');
      if (b['text'] !== undefined) p.text(`${at}/text`, b['text'], LIMITS.sectionText);
      p.count(`${at}/fields`, fields, LIMITS.sectionFields);
      fields.forEach((f, i) => p.text(`${at}/fields/${i}`, f, LIMITS.sectionField));
      const accessory = obj(b['accessory']);
      if (accessory) element(p, `${at}/accessory`, accessory, ids.actions);
      break;
    }
    case 'header':
      p.text(`${at}/text`, b['text'], LIMITS.headerText, 'plain_text');
      break;
    case 'context':
      p.count(`${at}/elements`, arr(b['elements']), LIMITS.contextElements);
      break;
    case 'actions': {
      const elements = arr(b['elements']);
      if (elements.length === 0) p.add(`${at}/elements`, 'must provide at least 1 item');
      p.count(`${at}/elements`, elements, LIMITS.actionsElements);
      elements.forEach((e, i) => element(p, `${at}/elements/${i}`, obj(e) ?? {}, ids.actions));
      break;
    }
    case 'input':
      p.text(`${at}/label`, b['label'], LIMITS.inputLabel, 'plain_text');
      if (b['hint'] !== undefined) p.text(`${at}/hint`, b['hint'], LIMITS.inputLabel, 'plain_text');
      element(p, `${at}/element`, obj(b['element']) ?? {}, ids.actions);
      break;
    case 'divider':
      break;
    default:
      p.add(`${at}/type`, `unsupported block type ${String(b['type'])}`);
  }
}

function blocks(p: Problems, list: unknown[], max: number, base = ''): void {
  p.count(`${base}/blocks`, list, max);
  const ids = { blocks: new Set<string>(), actions: new Set<string>() };
  list.forEach((b, i) => block(p, `${base}/blocks/${i}`, obj(b) ?? {}, ids));
}

/** Problems with a message's blocks (chat.postMessage, chat.update, response_url); empty when Slack would accept them. */
export function messageProblems(list: unknown[] | undefined): string[] {
  const p = new Problems();
  if (list) blocks(p, list, LIMITS.messageBlocks);
  return p.list;
}

/** Problems with a view (views.open/push/update); empty when Slack would accept it. */
export function viewProblems(view: Json): string[] {
  const p = new Problems();
  p.text('/view/title', view['title'], LIMITS.modalTitle, 'plain_text');
  if (view['submit'] !== undefined) p.text('/view/submit', view['submit'], LIMITS.modalTitle, 'plain_text');
  if (view['close'] !== undefined) p.text('/view/close', view['close'], LIMITS.modalTitle, 'plain_text');
  p.max('/view/private_metadata', view['private_metadata'], LIMITS.privateMetadata);
  p.max('/view/callback_id', view['callback_id'], LIMITS.callbackId);
  blocks(p, arr(view['blocks']), LIMITS.viewBlocks, '/view');
  return p.list;
}
