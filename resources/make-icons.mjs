// Draws the app and tray icons as PNGs with node:zlib (no image tooling needed).
// Run: node resources/make-icons.mjs  — the PNGs are committed; rerun after changing shapes.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function crc32(buf) {
  let c;
  const table = [];
  for (let n = 0; n < 256; n++) {
    c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  let crc = 0xffffffff;
  for (const b of buf) crc = table[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const smooth = (d, edge, aa) => Math.max(0, Math.min(1, (edge - d) / aa + 0.5));

/** A key-hole shield: rounded square, ring, slot; `dot` adds the attention badge. */
function icon(size, bg, fg, dot) {
  const aa = 1.2 / size;
  return png(size, (u, v) => {
    const cx = u - 0.5;
    const cy = v - 0.5;
    // rounded square
    const q = Math.max(Math.abs(cx) - 0.36, 0) ** 2 + Math.max(Math.abs(cy) - 0.36, 0) ** 2;
    let a = smooth(Math.sqrt(q), 0.12, aa);
    let col = bg;
    // key hole: circle + slot
    const ring = Math.hypot(cx, cy + 0.08);
    const hole = Math.max(smooth(ring, 0.13, aa), Math.abs(cx) < 0.05 && cy > -0.05 && cy < 0.24 ? 1 : 0);
    col = col.map((c, i) => Math.round(c * (1 - hole) + fg[i] * hole));
    if (dot) {
      const dd = Math.hypot(u - 0.8, v - 0.2);
      const d = smooth(dd, 0.19, aa);
      const white = smooth(dd, 0.23, aa);
      col = col.map((c) => Math.round(c * (1 - white) + 255 * white));
      col = col.map((c, i) => Math.round(c * (1 - d) + [232, 64, 52][i] * d));
      a = Math.max(a, white);
    }
    return [...col, Math.round(a * 255)];
  });
}

const blue = [36, 86, 199];
const white = [255, 255, 255];
writeFileSync(join(here, 'icon.png'), icon(256, blue, white, false));
writeFileSync(join(here, 'tray-ok.png'), icon(32, blue, white, false));
writeFileSync(join(here, 'tray-attention.png'), icon(32, blue, white, true));
console.log('icons written');
