/** Reading request bodies as Go's net/http and mime/multipart do; shared by the Mattermost and Slack fakes. */
import type { IncomingMessage } from 'node:http';


/** The whole request body as bytes (readText would mangle binary uploads). */
export function readBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A Content-Type or Content-Disposition value split like Go's mime.ParseMediaType: the lowercased type and its
 * parameters (names lowercased, quoted-strings unescaped, RFC 2231 `name*=UTF-8''…` decoded and preferred).
 */
export function parseHeaderValue(value: string): { type: string; params: Record<string, string> } {
  const semicolon = value.indexOf(';');
  const type = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const extended: Record<string, string> = {};
  const rest = semicolon < 0 ? '' : value.slice(semicolon);
  for (const m of rest.matchAll(/;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    const name = (m[1] ?? '').toLowerCase();
    const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (name.endsWith('*')) {
      const [charset = '', , encoded = ''] = raw.split("'");
      if (/^utf-8$/i.test(charset)) {
        try {
          extended[name.slice(0, -1)] = decodeURIComponent(encoded);
        } catch {
          // Malformed percent-encoding: Go drops the parameter too.
        }
      }
    } else {
      params[name] = raw;
    }
  }
  return { type, params: { ...params, ...extended } };
}

export interface MultipartPart {
  /** Content-Disposition `name`, when the disposition is form-data (Go's Part.FormName). */
  name: string | undefined;
  /** Content-Disposition `filename` as sent, undefined when absent (Go's FileName also takes its base name). */
  filename: string | undefined;
  /** The part's own Content-Type header, if any. */
  contentType: string | undefined;
  /** All part headers, names lowercased. */
  headers: Record<string, string>;
  data: Buffer;
}

/**
 * Parses a multipart body (RFC 2046 / 7578): the boundary comes from the request's Content-Type; a preamble before
 * the first delimiter and an epilogue after the closing one are ignored, as is transport padding on delimiter lines.
 */
export function parseMultipart(contentType: string | undefined, body: Buffer): { ok: true; parts: MultipartPart[] } | { ok: false; error: string } {
  const { type, params } = parseHeaderValue(contentType ?? '');
  if (!type.startsWith('multipart/')) return { ok: false, error: `not a multipart Content-Type: ${contentType ?? '(none)'}` };
  const boundary = params.boundary;
  if (boundary === undefined || boundary === '') return { ok: false, error: 'no multipart boundary param in Content-Type' };
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const CR = 0x0d;
  const LF = 0x0a;
  const DASH = 0x2d;

  let at = body.subarray(0, dashBoundary.length).equals(dashBoundary) ? 0 : body.indexOf(delimiter);
  if (at < 0) return { ok: false, error: 'multipart: no boundary found' };
  if (at > 0) at += 2; // past the CRLF that ends the preamble
  const parts: MultipartPart[] = [];
  for (;;) {
    let cursor = at + dashBoundary.length;
    if (body[cursor] === DASH && body[cursor + 1] === DASH) return { ok: true, parts };
    while (body[cursor] === 0x20 || body[cursor] === 0x09) cursor++;
    if (body[cursor] !== CR || body[cursor + 1] !== LF) return { ok: false, error: 'multipart: malformed delimiter line' };
    cursor += 2;

    let headerEnd = cursor;
    let contentStart = cursor + 2;
    if (body[cursor] !== CR || body[cursor + 1] !== LF) {
      headerEnd = body.indexOf('\r\n\r\n', cursor);
      if (headerEnd < 0) return { ok: false, error: 'multipart: unterminated part headers' };
      contentStart = headerEnd + 4;
    }
    const headers: Record<string, string> = {};
    if (headerEnd > cursor) {
      for (const line of body.subarray(cursor, headerEnd).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) return { ok: false, error: `multipart: malformed part header ${JSON.stringify(line)}` };
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    }
    const next = body.indexOf(delimiter, contentStart);
    if (next < 0) return { ok: false, error: 'multipart: missing closing boundary' };

    const disposition = parseHeaderValue(headers['content-disposition'] ?? '');
    parts.push({
      name: disposition.type === 'form-data' ? disposition.params.name : undefined,
      filename: disposition.params.filename,
      contentType: headers['content-type'],
      headers,
      data: Buffer.from(body.subarray(contentStart, next)),
    });
    at = next + 2;
  }
}
