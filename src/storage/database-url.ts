/** DATABASE_URL's start-up error and its printable form, without loading the PostgreSQL driver (main.ts reads them on SQLite too). */

/** A start-up failure of DATABASE_URL: its message names the variable and never holds the password. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** The URL with its password replaced, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}
