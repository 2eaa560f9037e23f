/**
 * The tray icon: rebuilt from buildTrayModel whenever accounts, settings or
 * refresh state change, and once a minute so "next refresh in N min" stays true.
 */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { buildTrayModel, type TrayAction, type TrayModel, type TrayState } from './tray-model.js';

export interface TrayController {
  update(state: TrayState): void;
  destroy(): void;
}

export function createTray(icons: { ok: string; attention: string }, onAction: (action: TrayAction) => void): TrayController {
  const images = { ok: nativeImage.createFromPath(icons.ok), attention: nativeImage.createFromPath(icons.attention) };
  const tray = new Tray(images.ok);
  let last: TrayModel | null = null;
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
    update(state) {
      const model = buildTrayModel(state);
      if (last && JSON.stringify(last) === JSON.stringify(model)) return;
      last = model;
      tray.setImage(images[model.icon]);
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(toMenu(model));
    },
    destroy() {
      tray.destroy();
    },
  };
}
