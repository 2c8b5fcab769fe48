/**
 * The bot-token scopes each Slack Web API method sitroom calls needs, as sitroom calls it. From each method's
 * "Scopes" fact in Slack's reference, https://docs.slack.dev/reference/methods/<method> (also listed per method in
 * java-slack-sdk's `MethodsClient` javadoc and node-slack-sdk's `methods.ts`). A test checks that manifest.yml grants
 * every scope here for every method the code calls, and the fake Web API refuses a call whose scopes the manifest
 * lacks, with Slack's `missing_scope` answer.
 *
 * Where a method accepts one of several scopes depending on the conversation (channels:manage for public channels,
 * groups:write for private ones, im:write for DMs), all the variants sitroom uses are listed: sitroom opens public and
 * private war rooms, so it needs both.
 */
export const METHOD_SCOPES = {
  /** Start-up check of the token; no scope. */
  'auth.test': [],
  /** chat:write.public: announcements go to a public channel the bot may not have joined. */
  'chat.postMessage': ['chat:write', 'chat:write.public'],
  'chat.update': ['chat:write'],
  'conversations.create': ['channels:manage', 'groups:write'],
  /**
   * Finding the war room an interrupted create made when its name comes back name_taken: channels:read for public
   * rooms, groups:read for private ones (https://docs.slack.dev/reference/methods/users.conversations).
   */
  'users.conversations': ['channels:read', 'groups:read'],
  'conversations.invite': ['channels:manage', 'groups:write'],
  'conversations.setTopic': ['channels:manage', 'groups:write'],
  /** The direct-message channel for reminders. */
  'conversations.open': ['im:write'],
  'pins.add': ['pins:write'],
  /**
   * Reading back a message to capture (📌 or the shortcut): channels:history for public war rooms, groups:history
   * for private ones (https://docs.slack.dev/reference/methods/conversations.history, .../conversations.replies).
   */
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  /** The captured message's link; Slack lists no scope for it (https://docs.slack.dev/reference/methods/chat.getPermalink). */
  'chat.getPermalink': [],
  /** The overdue e-mail's address: profile.email needs users:read.email on top of users:read. */
  'users.info': ['users:read', 'users:read.email'],
  /** Opening a modal needs a trigger_id, not a scope. */
  'views.open': [],
  /** Steps 1 and 3 of WebClient.filesUploadV2 (the postmortem file). */
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
} as const satisfies Record<string, readonly string[]>;

export type SlackMethod = keyof typeof METHOD_SCOPES;

/**
 * WebClient helpers that call several methods: filesUploadV2 is files.getUploadURLExternal, a POST to the upload URL,
 * then files.completeUploadExternal (node-slack-sdk packages/web-api/src/WebClient.ts, `filesUploadV2`).
 */
export const HELPER_METHODS: Readonly<Record<string, readonly SlackMethod[]>> = {
  filesUploadV2: ['files.getUploadURLExternal', 'files.completeUploadExternal'],
};

/**
 * Scopes that are not for a Web API method: `commands` lets the app own the /incident slash command; `reactions:read`
 * is what the reaction_added event subscription needs (https://docs.slack.dev/reference/events/reaction_added).
 */
export const FEATURE_SCOPES = ['commands', 'reactions:read'] as const;

/** The Events API events sitroom listens to: manifest.yml subscribes the bot to exactly these. */
export const BOT_EVENTS = ['reaction_added'] as const;
