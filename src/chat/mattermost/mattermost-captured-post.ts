/**
 * A Mattermost post read back for the timeline (a 📌 reaction), translated to the core's ChatMessageToCapture.
 * The post comes from GET /api/v4/posts/{post_id} (https://developers.mattermost.com/api-documentation/#/operations/GetPost);
 * its `message` is the Markdown the person typed, kept as typed. Its link is the server's permalink route
 * `<site>/<team name>/pl/<post id>` (webapp's permalink_view, the "Copy Link" of a post), and its files link to
 * GET /api/v4/files/{file_id} (https://developers.mattermost.com/api-documentation/#/operations/GetFile), which opens
 * for anyone signed in who can see the channel.
 */
import type { ChatMessageToCapture } from '../../incidents/captured-messages.ts';

/** The fields of a Mattermost post sitroom reads (model.Post as the API sends it). */
export interface MattermostPostObject {
  id: string;
  user_id: string;
  channel_id: string;
  create_at: number;
  message: string;
  metadata?: { files?: { id?: string; name?: string }[] } | null;
}

export function mattermostPostToCapture(post: MattermostPostObject, site: { url: string; teamName: string }, botUserId: string): ChatMessageToCapture {
  const base = site.url.replace(/\/+$/, '');
  return {
    platform: 'mattermost',
    channelId: post.channel_id,
    messageId: post.id,
    author: post.user_id,
    at: post.create_at,
    text: post.message,
    files: (post.metadata?.files ?? []).flatMap((f) => (f.id ? [{ name: f.name ?? f.id, url: `${base}/api/v4/files/${encodeURIComponent(f.id)}` }] : [])),
    permalink: `${base}/${encodeURIComponent(site.teamName)}/pl/${encodeURIComponent(post.id)}`,
    byBot: post.user_id === botUserId,
  };
}
