/** Native notifications (the re-auth alert). */
import { Notification } from 'electron';
import type { NotifierPort } from '../desktop/ports.js';

export const electronNotifier: NotifierPort = {
  supported: () => Notification.isSupported(),
  show({ title, body, onClick }) {
    const n = new Notification({ title, body, urgency: 'normal' });
    n.on('click', onClick);
    n.show();
  },
};
