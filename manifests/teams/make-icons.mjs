// Draws the Teams app icons (no image tools needed): color.png 192x192 (accent background, white rising bars)
// and outline.png 32x32 (white bars on transparent), as Teams requires. Usage: node make-icons.mjs [outDir]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};
const png = (size, pixel) => {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
};
// Three rising bars in the lower middle of the square (coordinates in 0..1).
const bars = [[0.22, 0.40, 0.60], [0.43, 0.61, 0.42], [0.64, 0.82, 0.24]];
const onBar = (u, v) => bars.some(([x0, x1, top]) => u >= x0 && u < x1 && v >= top && v < 0.80);

const outDir = process.argv[2] ?? '.';
writeFileSync(join(outDir, 'color.png'), png(192, (u, v) => onBar(u, v) ? [255, 255, 255, 255] : [0x1f, 0x6f, 0x5c, 255]));
writeFileSync(join(outDir, 'outline.png'), png(32, (u, v) => onBar(u, v) ? [255, 255, 255, 255] : [0, 0, 0, 0]));
