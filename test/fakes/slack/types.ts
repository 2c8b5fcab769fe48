/** The fake Slack workspace's identity and the shape of Web API arguments and answers. */
/** Who the fake workspace and its bot are; signed requests built in slack-requests.ts use the same identity. */
export const FAKE_WORKSPACE = {
  teamId: 'T1',
  teamDomain: 'sitroom-test',
  teamName: 'Sitroom Test',
  appId: 'A0SITROOM',
  botUserId: 'UBOT',
  botId: 'BBOT',
  botName: 'sitroom',
} as const;

export type SlackArgs = Record<string, unknown>;
/** A JSON answer as sent to the client; always has `ok`. */
export type SlackAnswer = { ok: boolean; error?: string } & Record<string, unknown>;

export interface RecordedCall {
  method: string;
  /** Decoded arguments. Form-encoded scalars stay strings, as Slack receives them ('true', '42'); JSON-valued form fields are parsed. */
  args: SlackArgs;
  /** The bearer token from the Authorization header. */
  token: string | undefined;
  /** Date.now() when the request was received. */
  at: number;
  /** HTTP status answered: 200, or 429 when rate-limited. */
  status: number;
  /** The JSON body answered. */
  response: SlackAnswer;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  thread_ts: string | undefined;
  user: string;
  /** Set on the message files.completeUploadExternal posts when it shares files into the channel. */
  files?: FakeMessageFile[];
}

export interface FakeMessageFile {
  id: string;
  name: string;
  title: string;
  /** The file's page in Slack (https://docs.slack.dev/reference/objects/file-object). */
  permalink?: string;
}

/** A file shared into a channel by files.completeUploadExternal, as filesIn() shows it. */
export interface FakeSlackFile {
  id: string;
  filename: string;
  title: string;
  /** The uploaded bytes, decoded as UTF-8. */
  content: string;
  initialComment?: string;
}

/** A POST of file bytes to an upload_url handed out by files.getUploadURLExternal. */
export interface RecordedUpload {
  fileId: string;
  /** The request's Content-Type (WebClient: multipart/form-data; boundary=…). */
  contentType: string | undefined;
  /** Bytes of file content received (after unwrapping a multipart body). */
  length: number;
  at: number;
  /** 200, or 404 for an upload URL the fake did not hand out. */
  status: number;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  members: string[];
  topic: string;
}

/** Users the workspace does not have, or has as guests (see setUserKind). */
export type UserKind = 'missing' | 'restricted' | 'ultra_restricted';
