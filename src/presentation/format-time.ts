/** Times shown to people: `14:30 UTC`, with the date when it is not today, in the configured time zone. */

// Building an Intl.DateTimeFormat costs ~100 µs; formatting with a cached one ~1 µs. `list` formats a time per incident.
const formatters = new Map<string, { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();

function formattersFor(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = {
      day: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
      time: new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' }),
    };
    formatters.set(timeZone, f);
  }
  return f;
}

export function formatTime(ms: number, timeZone: string, now: number): string {
  const { day, time } = formattersFor(timeZone);
  const date = day.format(ms);
  return date === day.format(now) ? time.format(ms) : `${date} ${time.format(ms)}`;
}

/** `3m`, `2h 5m`, `1d 4h`: how long ago or how long until. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
