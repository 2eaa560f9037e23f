import { describe, expect, it } from 'vitest';
import { originOf, validateSender, type SenderInfo, type SenderPolicy } from '../../src/main/ipc/sender-policy.js';

const policy = (origins: string[] = ['app://osmen'], ids: number[] = [7]): SenderPolicy => ({
  allowedOrigins: origins,
  trustedWebContents: () => new Set(ids),
});
const sender = (over: Partial<SenderInfo> = {}): SenderInfo => ({
  frameUrl: 'app://osmen/index.html',
  isMainFrame: true,
  webContentsId: 7,
  ...over,
});

describe('IPC sender validation', () => {
  it('accepts the main frame of our window on our origin', () => {
    expect(validateSender(sender(), policy())).toEqual({ ok: true });
    expect(validateSender(sender({ frameUrl: 'app://osmen/index.html#/log?x=1' }), policy())).toEqual({ ok: true });
  });

  it('accepts the dev server origin only when it is configured', () => {
    const dev = sender({ frameUrl: 'http://localhost:5173/' });
    expect(validateSender(dev, policy())).toEqual({ ok: false, reason: 'foreign_origin' });
    expect(validateSender(dev, policy(['app://osmen', 'http://localhost:5173']))).toEqual({ ok: true });
    expect(validateSender(sender({ frameUrl: 'http://localhost:5174/' }), policy(['app://osmen', 'http://localhost:5173']))).toEqual({
      ok: false,
      reason: 'foreign_origin',
    });
  });

  it('rejects iframes, other webContents, missing or foreign URLs', () => {
    expect(validateSender(sender({ isMainFrame: false }), policy())).toEqual({ ok: false, reason: 'not_main_frame' });
    expect(validateSender(sender({ webContentsId: 8 }), policy())).toEqual({ ok: false, reason: 'foreign_webcontents' });
    expect(validateSender(sender({ frameUrl: undefined }), policy())).toEqual({ ok: false, reason: 'no_frame_url' });
    expect(validateSender(sender({ frameUrl: '' }), policy())).toEqual({ ok: false, reason: 'no_frame_url' });
    expect(validateSender(sender({ frameUrl: 'about:blank' }), policy())).toEqual({ ok: false, reason: 'malformed_url' });
    expect(validateSender(sender({ frameUrl: 'not a url' }), policy())).toEqual({ ok: false, reason: 'malformed_url' });
    for (const url of [
      'https://osmen/index.html',
      'app://osmen.attacker.example/index.html',
      'app://evil/index.html',
      'file:///work/out/renderer/index.html',
      'app://user:pw@osmen/index.html',
      'APP://OSMEN.evil/',
    ]) {
      expect(validateSender(sender({ frameUrl: url }), policy()).ok, url).toBe(false);
    }
  });

  it('builds scheme://host[:port] origins, including non-special schemes', () => {
    expect(originOf('app://osmen/index.html')).toBe('app://osmen');
    expect(originOf('http://localhost:5173/src/main.tsx')).toBe('http://localhost:5173');
    expect(originOf('https://a.example:443/')).toBe('https://a.example');
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('javascript:alert(1)')).toBeNull();
  });
});
