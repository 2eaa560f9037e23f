/** The tray icon: shows the model the controller builds (desktop/tray-model.ts). */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { TrayHandle, TrayPort } from '../desktop/ports.js';
import type { TrayAction, TrayModel } from '../desktop/tray-model.js';

export function electronTray(icons: { ok: string; attention: string }): TrayPort {
  return {
    create(onAction: (action: TrayAction) => void): TrayHandle {
      const images = { ok: nativeImage.createFromPath(icons.ok), attention: nativeImage.createFromPath(icons.attention) };
      const tray = new Tray(images.ok);
      let last: string | null = null;
      tray.on('click', () => onAction('open'));
      const toMenu = (model: TrayModel): Menu =>
        Menu.buildFromTemplate(
          model.menu.map((item): MenuItemConstructorOptions => {
            if (item.type === 'separator') return { type: 'separator' };
            if (item.type === 'info') return { label: item.label, enabled: false };
            return { label: item.label, enabled: item.enabled, click: () => onAction(item.action) };
          }),
        );
      return {
        show(model) {
          const key = JSON.stringify(model);
          if (key === last) return;
          last = key;
          tray.setImage(images[model.icon]);
          tray.setToolTip(model.tooltip);
          tray.setContextMenu(toMenu(model));
        },
        destroy() {
          tray.destroy();
        },
      };
    },
  };
}
