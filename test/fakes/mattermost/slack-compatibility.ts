/**
 * What Mattermost does to a slash command's response unless it sets `skip_slack_parsing`
 * (model/command_response.go; app/command.go HandleCommandResponsePost): model.ParseSlackLinksToMarkdown on the
 * text and model.ParseSlackAttachment on the attachments (server/public/model/slack_attachment.go), turning
 * Slack's `<url|label>` into Markdown `[label](url)` — also inside text the integration had escaped.
 */

/** model linkWithTextRegex: `<` url `|` label `>`. */
const LINK_WITH_TEXT = /<([^\n<|>]+)\|([^\n>]+)>/g;

export const parseSlackLinksToMarkdown = (text: string): string => text.replace(LINK_WITH_TEXT, '[$2]($1)');

/** The command response as Mattermost posts it. */
export function applySlackParsing(body: Record<string, unknown>): Record<string, unknown> {
  if (body['skip_slack_parsing'] === true) return body;
  const out: Record<string, unknown> = { ...body };
  if (typeof out['text'] === 'string') out['text'] = parseSlackLinksToMarkdown(out['text']);
  if (Array.isArray(out['attachments'])) {
    out['attachments'] = out['attachments'].map((a: unknown) => {
      if (typeof a !== 'object' || a === null) return a;
      const attachment = { ...(a as Record<string, unknown>) };
      for (const key of ['text', 'pretext']) if (typeof attachment[key] === 'string') attachment[key] = parseSlackLinksToMarkdown(attachment[key]);
      if (Array.isArray(attachment['fields'])) {
        attachment['fields'] = attachment['fields'].map((f: unknown) => {
          const field = f as Record<string, unknown> | null;
          return field && typeof field['value'] === 'string' ? { ...field, value: parseSlackLinksToMarkdown(field['value']) } : f;
        });
      }
      return attachment;
    });
  }
  return out;
}
