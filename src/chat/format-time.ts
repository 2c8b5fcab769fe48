/** Times shown to people: `14:30 UTC`, with the date when it is not today, in the configured time zone. */
export function formatTime(ms: number, timeZone: string, now: number): string {
  const day = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' }).format(ms);
  return day(ms) === day(now) ? time : `${day(ms)} ${time}`;
}

/** `3m`, `2h 5m`, `1d 4h`: how long ago or how long until. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
