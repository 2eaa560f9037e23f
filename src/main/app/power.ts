/**
 * Wake the refresh scheduler when the machine resumes or the network comes
 * back: timers do not run during sleep, and refreshes that failed offline
 * should be retried as soon as they can succeed. Electron's main process has
 * no "online" event, so connectivity is sampled with net.isOnline() and only
 * the offline -> online transition wakes the scheduler.
 */
import { net, powerMonitor } from 'electron';
import { onlineEdge } from '../desktop/wake-policy.js';

export function watchPowerAndNetwork(wake: (reason: string) => void, pollMs = 15_000): () => void {
  const onResume = (): void => wake('resume');
  const onUnlock = (): void => wake('unlock-screen');
  powerMonitor.on('resume', onResume);
  powerMonitor.on('unlock-screen', onUnlock);
  let previous: boolean | null = net.isOnline();
  const timer = setInterval(() => {
    const current = net.isOnline();
    if (onlineEdge(previous, current)) wake('network-online');
    previous = current;
  }, pollMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    powerMonitor.off('resume', onResume);
    powerMonitor.off('unlock-screen', onUnlock);
  };
}
