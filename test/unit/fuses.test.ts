import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { applyPackagedFuses } from '../../scripts/fuses.js';
import { makeTmpHome } from '../helpers/tmp.js';

// Electron's fuse wire: the sentinel, a version byte, a length byte, then one
// ASCII '0'/'1' per fuse. A file with that layout stands in for the binary.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

function fakeElectron(path: string, fuses: string): void {
  const body = Buffer.concat([
    Buffer.alloc(4096, 0x90),
    Buffer.from(SENTINEL),
    Buffer.from([1, fuses.length]),
    Buffer.from(fuses),
    Buffer.alloc(4096, 0x90),
  ]);
  writeFileSync(path, body);
}

describe('packaged-build fuses', () => {
  it('turns off inspect, NODE_OPTIONS and file:// privileges, keeps RunAsNode for the CLI', async () => {
    const home = makeTmpHome();
    try {
      const bin = join(home.dir, 'electron');
      fakeElectron(bin, '101100101'); // Electron's shipped defaults
      const before = readFileSync(bin).length;
      expect(await applyPackagedFuses(bin)).toBe(1);
      expect(readFileSync(bin).length).toBe(before);
      const wire = await getCurrentFuseWire(bin);
      expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.ENABLE);
      expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
      expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
      expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
      expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
      expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
      expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    } finally {
      home.cleanup();
    }
  });

  it('refuses a wire with fuses it has no setting for (a newer Electron)', async () => {
    const home = makeTmpHome();
    try {
      const bin = join(home.dir, 'electron');
      fakeElectron(bin, '1011001010');
      const before = readFileSync(bin);
      // The exact refusal of strictlyRequireAllFuses: the wire has a tenth fuse we have no setting for.
      await expect(applyPackagedFuses(bin)).rejects.toThrow(
        new Error(
          'strictlyRequireAllFuses: The fuse wire in the Electron binary has 10 fuses but you only provided a config for 9 fuses, ' +
            'you may need to update @electron/fuses or provide additional fuse settings',
        ),
      );
      expect(readFileSync(bin).equals(before)).toBe(true); // nothing flipped
    } finally {
      home.cleanup();
    }
  });
});
