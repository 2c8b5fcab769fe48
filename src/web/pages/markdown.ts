/**
 * Postmortems on the incident page: Markdown rendered by markdown-it with raw HTML off (so `<script>` in a
 * postmortem is shown as text), no images and no linkify; the YAML front matter is split off and shown verbatim instead.
 * Headings move down one level so the document sits under the page's own <h1>.
 */
import MarkdownIt from 'markdown-it';
import { raw, type SafeHtml } from './html.ts';

const md = new MarkdownIt({ html: false, linkify: false });
// No images: a postmortem's user text must not make every reader's browser fetch a URL someone chose (tracking,
// internal addresses). `![alt](url)` is shown as text and a link instead.
md.disable('image');
md.core.ruler.push('sitroom_shift_headings', (state) => {
  for (const token of state.tokens) {
    if (token.type !== 'heading_open' && token.type !== 'heading_close') continue;
    const level = Number(token.tag.slice(1));
    token.tag = `h${Math.min(6, level + 1)}`;
  }
});

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** The YAML front matter (without its `---` fences), if any, and the Markdown after it. */
export function splitFrontMatter(markdown: string): { frontMatter: string | null; body: string } {
  const match = FRONT_MATTER.exec(markdown);
  if (!match) return { frontMatter: null, body: markdown };
  return { frontMatter: match[1] ?? '', body: markdown.slice(match[0].length) };
}

/** Markdown → safe HTML (markdown-it escapes text and refuses raw HTML and javascript: links). */
export function renderMarkdown(markdown: string): SafeHtml {
  return raw(md.render(markdown));
}
