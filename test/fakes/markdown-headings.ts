/** The headings a CommonMark reader (markdown-it, as on the incident page) sees in a postmortem's body. */
import MarkdownIt from 'markdown-it';
import { splitFrontMatter } from '../../src/web/pages/markdown.ts';

const reader = new MarkdownIt();

/** Each heading as `h<level> <text>`, in order. */
export function headingsOf(markdown: string): string[] {
  const tokens = reader.parse(splitFrontMatter(markdown).body, {});
  return tokens.flatMap((t, i) => (t.type === 'heading_open' ? [`${t.tag} ${tokens[i + 1]?.content ?? ''}`] : []));
}

/** The sections every postmortem has after its title, as headingsOf lists them. */
export const POSTMORTEM_SECTIONS = ['Timeline', 'Roles', 'Action items', 'Summary', 'Impact', 'Contributing factors', 'What went well', 'What went wrong'].map((s) => `h2 ${s}`);
