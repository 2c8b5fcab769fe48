/**
 * Whether a click came from a post sitroom made. Mattermost sends an integration the context of the action as stored
 * in the clicked post (app/integration_action.go DoPostActionWithCookie: the post is read by post_id, the action
 * found by id, and the request carries the post's channel_id, post_id and the action's integration.context), but any
 * channel member may create a post of their own whose attachments copy sitroom's URL and a signed context
 * (POST /api/v4/posts keeps props.attachments). So the post is read back (GET /api/v4/posts/{post_id}, Client4.getPost)
 * and must be the bot's, in the click's channel.
 *
 * An ephemeral post is not stored: the server reads it from the encrypted PostActionCookie the webapp sends, and
 * GET /posts/{id} answers 404 (api4/post.go getPost, app.GetPostIfAuthorized: app.post.get.app_error). Only the server
 * or a user with create_post_ephemeral (bots, admins) can make one, so a click on a post that cannot be found is
 * accepted only for a context sitroom bound to the one user its ephemeral message was shown to (the caller checks).
 */
import { clientError, type MattermostClient } from './mattermost-client.ts';
import { ExpiringAnswers } from './expiring-answers.ts';
import { looksLikeId } from './mattermost-render.ts';

/** How long a post found to be the bot's is trusted: a burst of clicks on one card costs one GET. */
export const POST_CACHE_MS = 30_000;

/** 'ours': the bot's post in that channel; 'missing': no stored post (an ephemeral one); 'foreign': anything else. */
export type PostOrigin = 'ours' | 'missing' | 'foreign';

export class ActionPosts {
  private readonly client: MattermostClient;
  private readonly botId: () => Promise<string>;
  /** The channel of each post found to be the bot's. */
  private readonly known: ExpiringAnswers<string>;

  constructor(client: MattermostClient, botId: () => Promise<string>, now: () => number) {
    this.client = client;
    this.botId = botId;
    this.known = new ExpiringAnswers(POST_CACHE_MS, now);
  }

  /**
   * Where the clicked post comes from. 404 is 'missing'; 400 (a malformed id) and 403 (a channel the bot cannot
   * read, so not a post it made there) are 'foreign'; any other failure (5xx, time-out) throws: nothing is done
   * unverified.
   */
  async origin(postId: string, channelId: string): Promise<PostOrigin> {
    // The server always sends the clicked post's id (model.NewId, 26 characters): a request without one is not its.
    if (!looksLikeId(postId)) return 'foreign';
    const cached = this.known.get(postId);
    if (cached !== undefined) return cached === channelId ? 'ours' : 'foreign';
    let post: { user_id?: unknown; channel_id?: unknown };
    try {
      post = await this.client.getPost(postId);
    } catch (e) {
      const status = clientError(e).status_code;
      if (status === 404) return 'missing';
      if (status === 400 || status === 403) return 'foreign';
      throw e;
    }
    if (post.user_id !== (await this.botId()) || typeof post.channel_id !== 'string') return 'foreign';
    this.known.set(postId, post.channel_id);
    return post.channel_id === channelId ? 'ours' : 'foreign';
  }
}
