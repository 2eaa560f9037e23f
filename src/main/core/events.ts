import { EventEmitter } from 'node:events';
import type { CoreEventMap } from './contracts/events.js';

/** The core's typed event bus: refreshes, re-auth needs and log lines flow to the app through it. */
export class CoreEvents extends EventEmitter<CoreEventMap> {
  constructor() {
    super({ captureRejections: true });
    // Many windows/tray/CLI listeners are normal; silence the leak warning at a sane ceiling.
    this.setMaxListeners(50);
  }
}
