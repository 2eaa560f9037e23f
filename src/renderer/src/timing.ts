/**
 * What the window means in practice: an account is refreshed this long before its token expires,
 * but never before the middle of the token's lifetime (so a window longer than the lifetime
 * can't make it refresh over and over). Worked out for the usual 1-hour token.
 */
export function effectiveTiming(windowMin: number): string {
  if (!Number.isFinite(windowMin) || windowMin <= 0) return '';
  const hour = 60;
  const at = Math.max(hour - windowMin, hour / 2);
  const base = `A 1-hour token is refreshed after ${formatMinutes(at)}`;
  return windowMin > hour / 2
    ? `${base}: never before the middle of a token's lifetime, whatever the window, so each account is refreshed at most once per half of its token lifetime.`
    : `${base} (${formatMinutes(windowMin)} before it expires). An account is never refreshed before the middle of its token's lifetime.`;
}

function formatMinutes(min: number): string {
  const m = Math.round(min * 10) / 10;
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/**
 * A stored duration in minutes, as the Settings field shows it (30 s -> "0.5", 45 s -> "0.75",
 * 5 min -> "5"): exact to the millisecond's thousandth of a minute, so what is shown is what is stored.
 */
export function minutesText(ms: number): string {
  return String(Number((ms / 60_000).toFixed(3)));
}
