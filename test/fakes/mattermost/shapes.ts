/** What tests see of the fake Mattermost server: recorded calls and its model, as plain objects. */
import type { IncomingHttpHeaders } from 'node:http';


export interface MattermostCall {
  /** Upper case: GET, POST, PUT, … */
  method: string;
  /** The path without the query string, e.g. /api/v4/posts/<id>/patch. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  /** The token from `Authorization: Bearer|Token <token>` (Client4 sends "BEARER <token>"). */
  token: string | undefined;
  headers: IncomingHttpHeaders;
  /** Date.now() when the request was received. */
  at: number;
  status: number;
  /** The JSON answered (the plain text "limit exceeded\n" for a scripted 429, as Mattermost sends). */
  response: unknown;
}

export type ChannelType = 'O' | 'P' | 'D' | 'G';

export interface FakeMattermostChannel {
  id: string;
  teamId: string;
  name: string;
  displayName: string;
  type: ChannelType;
  header: string;
  purpose: string;
  creatorId: string;
  members: string[];
}

export interface FakeMattermostUser {
  id: string;
  username: string;
  isBot: boolean;
  firstName: string;
  lastName: string;
  nickname: string;
  email: string;
}

export interface FakeMattermostPost {
  id: string;
  channelId: string;
  userId: string;
  rootId: string;
  message: string;
  /** As stored: attachments keep their actions' `integration` (url, context), which answers to clients omit. */
  props: Record<string, unknown>;
  /** The files attached by createPost's file_ids: only those the server could attach (see filesIn). */
  fileIds: string[];
  isPinned: boolean;
  createAt: number;
  updateAt: number;
  editAt: number;
}

/** A file uploaded with POST /files, as filesIn() shows it. */
export interface FakeMattermostFile {
  id: string;
  /** The name the file was uploaded with (its base name). */
  name: string;
  /** The bytes, decoded as UTF-8. */
  content: string;
  /** The post it is attached to, once createPost({file_ids}) attached it. */
  postId?: string;
}

export interface OpenedDialog {
  triggerId: string;
  url: string;
  dialog: Record<string, unknown>;
  /** The user the trigger id was issued for: the dialog opens in their client. */
  userId: string;
  at: number;
  /** What Dialog.IsValid finds wrong (the server logs it and opens the dialog anyway; see mattermost/dialog-rules.ts). */
  problems: string[];
}

export interface EphemeralPost {
  userId: string;
  post: Record<string, unknown>;
}

export interface AddChannelOptions {
  name: string;
  id?: string;
  type?: 'O' | 'P';
  teamId?: string;
  displayName?: string;
  header?: string;
  purpose?: string;
  members?: string[];
  /** Defaults to true; false to test a bot that was removed from (or never added to) a channel. */
  botIsMember?: boolean;
  /** Who made it (the channel's creator_id): the bot by default, a person's id for a channel a person made. */
  creatorId?: string;
}

export interface AddUserOptions {
  firstName?: string;
  lastName?: string;
  nickname?: string;
  email?: string;
  isBot?: boolean;
  /** Defaults to true: the user belongs to the fake's team. */
  inTeam?: boolean;
  /** A deactivated account (DeleteAt > 0). */
  deactivated?: boolean;
}

export interface StartOptions {
  /** Accept only this bearer token (any non-empty token by default). */
  token?: string;
  /** How old a trigger id may be (30 s by default, like OutgoingIntegrationRequestsTimeout). */
  triggerTimeoutMs?: number;
  /**
   * PrivacySettings.ShowEmailAddress (true by default, as in the server's config.go): when false, user objects sent
   * to a caller without manage_system (the bot) have `email` blanked (server/channels/app/user.go, GetSanitizeOptions
   * and model.User.SanitizeProfile).
   */
  showEmailAddress?: boolean;
}

/**
 * What the server sends for a @mattermost/types object: each field it declares, with its type, except that the Go
 * server sends null for unset pointer fields the TypeScript types call strings (scheme_id, policy_id, ...).
 * `ServerOnly` names fields the server's model sends that the web app's types leave out.
 */
export type Wire<T, ServerOnly extends string = never> = { [K in keyof T]?: T[K] | null } & { [K in ServerOnly]?: unknown };
